#!/usr/bin/env node
// The built CLI; `npm ci` builds it (the root package's prepare step).
import "../dist/main.js";
