/**
 * `node --import @cachephant/plugin/register app.mjs`: caches "use cache"
 * functions without a bundler, by rewriting modules as Node loads them.
 */
import { register } from "node:module";

register("./register-hooks.js", import.meta.url);
