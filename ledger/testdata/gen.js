// Makes es6-numbers.txt and jcs.jsonl, the ECMAScript side of the canonical
// JSON tests: run `node testdata/gen.js` in the ledger folder (node 12 or later).
let a = 0x9e3779b9;
function mulberry() { a |= 0; a = a + 0x6D2B79F5 | 0; let t = Math.imul(a ^ a >>> 15, 1 | a); t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t; return ((t ^ t >>> 14) >>> 0); }
function rnd(n) { return mulberry() % n; }
const fs = require("fs");
// Numbers: RFC 8785 Appendix B, then random doubles.
const buf = Buffer.alloc(8);
const nums = [];
const fixed = ["0000000000000000","8000000000000000","0000000000000001","8000000000000001","7fefffffffffffff","ffefffffffffffff","4340000000000000","c340000000000000","4430000000000000","44b52d02c7e14af5","44b52d02c7e14af6","44b52d02c7e14af7","444b1ae4d6e2ef4e","444b1ae4d6e2ef4f","444b1ae4d6e2ef50","3eb0c6f7a0b5ed8c","3eb0c6f7a0b5ed8d","41b3de4355555553","41b3de4355555554","41b3de4355555555","41b3de4355555556","41b3de4355555557","becbf647612f3696","43143ff3c1cb0959"];
for (const h of fixed) { buf.write(h, "hex"); nums.push(h + " " + JSON.stringify(buf.readDoubleBE(0))); }
for (const v of [1, 10, 100, 1e20, 1e21, 1e-6, 1e-7, 0.1, 123456789012345680000, 2**53 + 2, 4.5, 0.002, 1e30, 333333333.33333329, -1.5, 1e-27]) { buf.writeDoubleBE(v); nums.push(buf.toString("hex") + " " + JSON.stringify(v)); }
for (let i = 0; i < 4000; i++) {
  for (let j = 0; j < 8; j++) buf[j] = rnd(256);
  if (i % 2 == 0) { const e = 1023 + rnd(181) - 90; buf[0] = (buf[0] & 0x80) | (e >> 4); buf[1] = ((e & 0xf) << 4) | (buf[1] & 0xf); }
  if (i % 5 == 0) { const v = (rnd(2) ? -1 : 1) * rnd(1e9) * Math.pow(10, rnd(50) - 25); buf.writeDoubleBE(v); }
  const f = buf.readDoubleBE(0);
  if (!isFinite(f)) continue;
  nums.push(buf.toString("hex") + " " + JSON.stringify(f));
}
fs.writeFileSync("testdata/es6-numbers.txt", "# IEEE 754 bits in hex, and the double as ECMAScript writes it (JSON.stringify), made with node " + process.version + "\n" + nums.join("\n") + "\n");
// Canonical JSON: random values, written shuffled and indented, and canonical.
const chars = ["a","b","Z","1","_"," ","\u0000","\u0001","\u001f","\b","\f","\n","\r","\t","\"","\\","/","\u007f","\u0080","\u00f6","\u20ac","\u2028","\u2029","\ufb33","\ud83d\ude00","\ud800\udc00","\ue000","\uffff","<","&","\u0301"];
function str() { let s = ""; const n = rnd(7); for (let i = 0; i < n; i++) s += chars[rnd(chars.length)]; return s; }
function num() { switch (rnd(6)) { case 0: return rnd(1000) - 500; case 1: return (rnd(1e9) - 5e8) / 1000; case 2: return Math.pow(10, rnd(60) - 30) * (rnd(100) + 1); case 3: return 2**53 + rnd(10); case 4: return -0; default: return rnd(100) / 7; } }
function val(d) {
  switch (d > 3 ? rnd(4) : rnd(6)) { case 0: return str(); case 1: return num(); case 2: return [true,false,null][rnd(3)]; case 3: return str();
    case 4: { const a = []; const n = rnd(4); for (let i = 0; i < n; i++) a.push(val(d+1)); return a; }
    default: { const o = {}; const n = rnd(5); for (let i = 0; i < n; i++) o[str()] = val(d+1); return o; } }
}
function canon(v) {
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  if (v !== null && typeof v === "object") return "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}";
  return JSON.stringify(v);
}
function shuffle(v) {
  if (Array.isArray(v)) return v.map(shuffle);
  if (v !== null && typeof v === "object") { const ks = Object.keys(v); for (let i = ks.length - 1; i > 0; i--) { const j = rnd(i+1); [ks[i], ks[j]] = [ks[j], ks[i]]; } const o = {}; for (const k of ks) o[k] = shuffle(v[k]); return o; }
  return v;
}
const out = [];
for (let i = 0; i < 500; i++) { const v = {}; const n = 1 + rnd(5); for (let j = 0; j < n; j++) v[str()] = val(0); out.push(JSON.stringify([JSON.stringify(shuffle(v), null, rnd(3)), canon(v)])); }
fs.writeFileSync("testdata/jcs.jsonl", out.join("\n") + "\n");
