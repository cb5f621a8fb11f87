// A minimal app's JWT code as Node apps write it with jsonwebtoken: the
// settings straight from the environment, sign a token, verify it.
// Prints `ok` or `refused <Error>: <text>`. Used by tests/jwt_reference.rs.
const jwt = require("jsonwebtoken");

const env = process.env;
const first = (...names) => names.map((n) => env[n]).find((v) => v !== undefined);
const algorithm = first("JWT_ALGORITHM", "ALGORITHM") || "HS256";
let key;
let verify;
if (algorithm.startsWith("HS")) {
  key = first("JWT_SECRET_KEY", "JWT_SECRET", "SECRET_KEY");
  verify = key;
} else {
  key = env.JWT_PRIVATE_KEY;
  verify = env.JWT_PUBLIC_KEY;
}
try {
  const token = jwt.sign({ sub: "app" }, key, { algorithm, expiresIn: 900 });
  if (verify !== undefined) {
    jwt.verify(token, verify, { algorithms: [algorithm] });
  }
  console.log("ok");
} catch (error) {
  console.log(`refused ${error.name}: ${error.message}`);
}
