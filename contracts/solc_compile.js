#!/usr/bin/env node
// Compiles contracts/solidity/*.sol with the npm `solc` package (WASM, offline) and
// prints solc's standard JSON output on stdout, or writes it to the file given by --out.
//
// Why not `solcjs`: its CLI prints a warning line before the JSON. Why not a native solc:
// none can be downloaded here. `@openzeppelin/...` imports resolve from node_modules.
//
// Exit codes: 0 compiled; 1 compile errors (printed to stderr, one per line);
// 2 bad usage or unreadable sources.
"use strict";

const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const SOURCES_DIR = path.join(__dirname, "solidity");

// Shared with hardhat.config.js and contracts/build.py: one place for compiler settings.
const SETTINGS = {
  optimizer: { enabled: true, runs: 1000000 },
  evmVersion: "cancun",
};

function listSources(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(full));
    else if (entry.name.endsWith(".sol")) found.push(full);
  }
  return found.sort();
}

function findImport(importPath) {
  // Only package imports and our own relative tree are allowed; nothing is fetched.
  const candidates = [
    path.join(ROOT, "node_modules", importPath),
    path.join(ROOT, importPath),
  ];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `import not found: ${importPath} (looked in node_modules/ and the project root)` };
}

function standardInput() {
  const sources = {};
  for (const file of listSources(SOURCES_DIR)) {
    const unit = path.relative(ROOT, file).split(path.sep).join("/");
    sources[unit] = { content: fs.readFileSync(file, "utf8") };
  }
  return {
    language: "Solidity",
    sources,
    settings: {
      ...SETTINGS,
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"] },
      },
    },
  };
}

function main(argv) {
  let out = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && i + 1 < argv.length) out = argv[++i];
    else if (argv[i] === "--settings") {
      process.stdout.write(JSON.stringify(SETTINGS) + "\n");
      return 0;
    } else {
      process.stderr.write(`usage: node contracts/solc_compile.js [--out FILE | --settings]\n`);
      return 2;
    }
  }

  const solc = require("solc");
  let input;
  try {
    input = standardInput();
  } catch (err) {
    process.stderr.write(`cannot read sources: ${err.message}\n`);
    return 2;
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  output.compilerVersion = solc.version();
  output.settings = SETTINGS;
  // Every file the compiler actually read, so build.py can hash exactly those.
  output.sourceFiles = Object.keys(output.sources || {}).sort();

  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const e of output.errors || []) {
    process.stderr.write((e.formattedMessage || e.message).trim() + "\n");
  }
  if (errors.length > 0) {
    process.stderr.write(`solc: ${errors.length} error(s), nothing written\n`);
    return 1;
  }
  const text = JSON.stringify(output);
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text + "\n");
  return 0;
}

process.exitCode = main(process.argv.slice(2));
