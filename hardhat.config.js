// Hardhat 2 configuration: compile offline with the npm `solc` package (WASM) and run a
// local node (chain id 31337). Hardhat would otherwise try to download a native solc.
const path = require("path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  const solc = require("solc");
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    // Same settings as contracts/solc_compile.js, which builds the committed artifact.
    settings: {
      optimizer: { enabled: true, runs: 1000000 },
      evmVersion: "cancun",
    },
  },
  paths: {
    sources: "./contracts/solidity",
    artifacts: "./build/hardhat-artifacts",
    cache: "./build/hardhat-cache",
    tests: "./build/hardhat-tests",
  },
  networks: {
    hardhat: { chainId: 31337 },
  },
};
