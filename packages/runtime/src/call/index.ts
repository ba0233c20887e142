// What every call of a cached function goes through: key, share a running
// call, read, decode; or compute, encode, write.

export { resetStoreFailures } from "./call.js";
export { resultMetadata } from "./write-result.js";
export { runCached } from "./run-cached.js";
