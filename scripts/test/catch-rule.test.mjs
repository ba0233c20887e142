import { RuleTester } from "eslint";
import { describe, it } from "vitest";
import { catchLooksAtError } from "../lint/catch-rule.mjs";

RuleTester.describe = describe;
RuleTester.it = it;

new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: "module" } }).run(
  "catch-looks-at-error",
  catchLooksAtError,
  {
    valid: [
      'try { f(); } catch (error) { if (error.code !== "ENOENT") throw error; }',
      "try { f(); } catch ({ code }) { if (code !== 'ENOENT') throw new Error(code); }",
      "try { f(); } catch { // catch-all: best-effort cleanup, the process is exiting\n}",
      "try { f(); } catch (error) {\n  /* catch-all: a user's code may throw any value */\n  g();\n}",
    ],
    invalid: [
      { code: "try { f(); } catch { g(); }", errors: [{ messageId: "unbound" }] },
      { code: "try { f(); } catch { // ignore\n}", errors: [{ messageId: "unbound" }] },
      { code: "try { f(); } catch (error) { g(); }", errors: [{ messageId: "unread", data: { name: "error" } }] },
      { code: "try { f(); } catch (_error) { /* catch-all: */ }", errors: [{ messageId: "unread" }] },
    ],
  },
);
