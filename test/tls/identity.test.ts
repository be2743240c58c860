/** Reading Node's `subjectaltname` string into a list: plain values, and the JSON-quoted ones Node writes for values with commas or quotes. */
import fc from "fast-check";
import { expect, test } from "vitest";
import { parseSubjectAltNames } from "../../runtime/tls/identity.js";

test("Node's form, with IP Address written IP", () => {
  expect(parseSubjectAltNames("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1")).toEqual(["DNS:localhost", "IP:127.0.0.1", "IP:0:0:0:0:0:0:0:1"]);
  expect(parseSubjectAltNames('URI:"https://example.com/a,b", DNS:x.example, email:"a\\"b@example.com"')).toEqual([
    "URI:https://example.com/a,b",
    "DNS:x.example",
    'email:a"b@example.com',
  ]);
  expect(parseSubjectAltNames("")).toEqual([]);
});

test("any list survives Node's way of writing it", () => {
  const type = fc.constantFrom("DNS", "URI", "email", "IP Address", "othername");
  const value = fc.string({ minLength: 1, maxLength: 20 }).filter((v) => v.trim() === v);
  fc.assert(
    fc.property(fc.array(fc.tuple(type, value), { maxLength: 6 }), (names) => {
      // Node quotes a value (as JSON) when it holds a comma, a quote, a backslash or a space.
      const text = names.map(([t, v]) => `${t}:${/[,"\\\s]/.test(v) ? JSON.stringify(v) : v}`).join(", ");
      expect(parseSubjectAltNames(text)).toEqual(names.map(([t, v]) => `${t === "IP Address" ? "IP" : t}:${v}`));
    }),
  );
});
