// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";

/**
 * @title GasFloor
 * @notice The least a ledger write can cost: one role check (one storage read) and one
 * event with the same topics as an OcopLedger anchoring log. `bench/gas` measures it in
 * the same run as the ledger, as the floor the ledger's figures are compared with.
 * Never deployed outside benchmarks.
 */
contract GasFloor is Multicall {
    /// @notice The accounts allowed to write.
    mapping(address account => bool) public writers;

    /// @notice `actor` anchored `eventHash` for `batchId`.
    event Anchored(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor);

    /// @notice `account` may not write.
    error GasFloorUnauthorized(address account);

    /// @notice The deployer may write.
    constructor() {
        writers[msg.sender] = true;
    }

    /// @notice Lets `account` write (any writer may add one).
    /// @param account The new writer.
    function addWriter(address account) external {
        if (!writers[msg.sender]) revert GasFloorUnauthorized(msg.sender);
        writers[account] = true;
    }

    /// @notice A role check plus one event: the floor of a ledger write.
    /// @param batchId The batch.
    /// @param eventHash The event digest.
    function anchor(bytes32 batchId, bytes32 eventHash) external {
        if (!writers[msg.sender]) revert GasFloorUnauthorized(msg.sender);
        emit Anchored(eventHash, batchId, msg.sender);
    }
}
