export { globMatcher } from "./allow-list.js";
export { AuditTally } from "./audit-tally.js";
export { type AuditEntry, type AuditOutcome, AuditTrail, type NewAuditEntry } from "./audit-trail.js";
export { type Caller, hasScope, isAdmin, keyCaller, type Scope, sha256Hex } from "./caller.js";
export { CallerRegistry } from "./caller-registry.js";
export { CallersFileError, readCallersFile } from "./callers-file.js";
