// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @notice The part of OcopLedger the registry reads.
interface IOcopLedgerVersion {
    /// @notice The version a ledger continues (zero for the first).
    /// @return The predecessor's address.
    function predecessor() external view returns (address);
}

/**
 * @title OcopLedgerRegistry
 * @notice The one address clients remember: an append-only list of immutable OcopLedger
 * versions, each continuing the previous one. A verifier reads every version in order;
 * the backend writes to `current()`. Nothing is ever replaced in place: the rules an
 * event was anchored under stay the bytecode at that version's address.
 */
contract OcopLedgerRegistry is Ownable2Step {
    /// @notice One published ledger version.
    struct Version {
        address ledger; // the immutable OcopLedger contract
        uint64 publishedAt; // block number it became current
        bytes32 artifactSha256; // sha-256 of the build artifact it was deployed from
    }

    Version[] private _versions;

    /// @notice Version number `index` (0-based) is `ledger`, current from this block on.
    event VersionPublished(uint256 indexed index, address indexed ledger, bytes32 artifactSha256);

    /// @notice `ledger` does not continue the current version `current`.
    error OcopLedgerRegistryNotSuccessor(address ledger, address current);

    /// @notice No version was published yet.
    error OcopLedgerRegistryEmpty();

    /// @notice The deployer owns the registry.
    /// @param owner_ The province operator's account.
    constructor(address owner_) Ownable(owner_) {}

    /// @notice Publishes `ledger` as the current version (owner only).
    /// @param ledger An OcopLedger whose predecessor is the current version (zero for the first).
    /// @param artifactSha256 sha-256 of the artifact it was built from, for audits.
    function publish(address ledger, bytes32 artifactSha256) external onlyOwner {
        address current = _versions.length == 0 ? address(0) : _versions[_versions.length - 1].ledger;
        if (ledger.code.length == 0 || IOcopLedgerVersion(ledger).predecessor() != current) {
            revert OcopLedgerRegistryNotSuccessor(ledger, current);
        }
        _versions.push(Version({ledger: ledger, publishedAt: uint64(block.number), artifactSha256: artifactSha256}));
        emit VersionPublished(_versions.length - 1, ledger, artifactSha256);
    }

    /// @notice The version to write to.
    /// @return The current ledger's address.
    function current() external view returns (address) {
        if (_versions.length == 0) revert OcopLedgerRegistryEmpty();
        return _versions[_versions.length - 1].ledger;
    }

    /// @notice Every version, oldest first.
    /// @return The versions.
    function versions() external view returns (Version[] memory) {
        return _versions;
    }
}
