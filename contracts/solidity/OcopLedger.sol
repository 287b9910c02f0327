// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";

/**
 * @title OcopLedger
 * @notice Traceability ledger for OCOP and medicinal-herb batches of Lao Cai province.
 *
 * The chain keeps only what a verifier needs to distrust the operator's database:
 * who may write (actor registry), which batches exist and who holds them, the
 * quantities that make mass balance checkable, parent links of transformations,
 * and the digest of every GS1 EPCIS event (its Event Hash ID). Full EPCIS documents
 * stay off chain.
 *
 * Invariants:
 * - an event digest is anchored at most once and is never deleted;
 * - `remaining <= quantity` for every batch, and only a transformation lowers it;
 * - the outputs of a transformation never hold more grams than the inputs gave;
 * - a recalled batch never moves, transforms or clears export again.
 *
 * `Multicall` lets the submitter anchor several events in one transaction; each call
 * still runs with the original `msg.sender` and its own checks.
 */
contract OcopLedger is AccessControl, Multicall {
    /// @notice Lifecycle of a batch. `None` means the id was never registered.
    enum Status {
        None,
        Active,
        Exported,
        Consumed,
        Recalled
    }

    /// @notice A registered participant.
    struct Actor {
        uint64 gln; // GS1 Global Location Number (13 digits fit in 64 bits)
        bool active; // false once suspended: a suspended actor cannot write
    }

    /// @notice A batch (GTIN + lot) and its custody. Quantities are grams.
    struct Batch {
        address custodian; // who holds the batch now; only they move or log it
        uint96 quantity; // grams when created, never changes
        address origin; // who created it (cooperative or processor); may recall it
        uint96 remaining; // grams not yet consumed by transformations
        Status status;
    }

    /// @notice Where and by whom an EPCIS event digest was anchored.
    struct EventRecord {
        bytes32 batchId; // batch the event is about (first output for a transformation)
        address actor; // msg.sender of the anchoring call
        uint64 blockNumber; // block the digest was anchored in
        uint8 kind; // one of the KIND_* constants
    }

    /// @notice Operator of the ledger; equal to OZ's DEFAULT_ADMIN_ROLE so it administers every role.
    bytes32 public constant ADMIN_ROLE = 0x00;
    /// @notice Cooperatives (HTX) register harvest batches.
    bytes32 public constant COOPERATIVE_ROLE = keccak256("COOPERATIVE_ROLE");
    /// @notice Processors transform batches.
    bytes32 public constant PROCESSOR_ROLE = keccak256("PROCESSOR_ROLE");
    /// @notice Labs and certifiers attach certificates.
    bytes32 public constant LAB_ROLE = keccak256("LAB_ROLE");
    /// @notice Exporters and logistics carry consignments.
    bytes32 public constant EXPORTER_ROLE = keccak256("EXPORTER_ROLE");
    /// @notice Customs record export clearance.
    bytes32 public constant CUSTOMS_ROLE = keccak256("CUSTOMS_ROLE");

    /// @notice EventRecord.kind of a harvest registration.
    uint8 public constant KIND_REGISTER = 1;
    /// @notice EventRecord.kind of a processing or logistics step.
    uint8 public constant KIND_STEP = 2;
    /// @notice EventRecord.kind of a transformation.
    uint8 public constant KIND_TRANSFORMATION = 3;
    /// @notice EventRecord.kind of a custody transfer.
    uint8 public constant KIND_CUSTODY = 4;
    /// @notice EventRecord.kind of a certificate.
    uint8 public constant KIND_CERTIFICATE = 5;
    /// @notice EventRecord.kind of an export clearance.
    uint8 public constant KIND_EXPORT = 6;

    mapping(address account => Actor) private _actors;
    mapping(bytes32 batchId => Batch) private _batches;
    mapping(bytes32 eventHash => EventRecord) private _events;
    mapping(bytes32 batchId => bytes32[] parentIds) private _parents;

    /// @notice `account` was onboarded (or re-activated) with `role` at location `gln`.
    event ActorOnboarded(address indexed account, bytes32 indexed role, uint64 gln);
    /// @notice `account` was suspended by `admin` and can no longer write.
    event ActorSuspended(address indexed account, address indexed admin);
    /// @notice A cooperative registered a new batch.
    event BatchRegistered(bytes32 indexed batchId, address indexed actor, uint96 quantity, bytes32 eventHash);
    /// @notice The custodian anchored a step (receiving, drying, ...) of a batch.
    event EventRecorded(bytes32 indexed batchId, address indexed actor, bytes32 indexed stepCode, bytes32 eventHash);
    /// @notice A processor turned input batches into output batches.
    event BatchTransformed(
        bytes32 indexed eventHash,
        address indexed actor,
        bytes32[] inputIds,
        uint96[] inputQuantities,
        bytes32[] outputIds,
        uint96[] outputQuantities
    );
    /// @notice Custody of a batch moved from `from` to `to`.
    event CustodyTransferred(bytes32 indexed batchId, address indexed from, address indexed to, bytes32 eventHash);
    /// @notice A lab attached a certificate (document digest) valid until `validUntil` (unix seconds).
    event CertificateAttached(
        bytes32 indexed batchId,
        address indexed lab,
        bytes32 documentHash,
        uint64 validUntil,
        bytes32 eventHash
    );
    /// @notice Customs cleared a batch for export at border gate `borderGateGln`.
    event ExportCleared(
        bytes32 indexed batchId,
        address indexed customs,
        bytes32 declarationHash,
        uint64 borderGateGln,
        bytes32 eventHash
    );
    /// @notice A batch was recalled; `reasonHash` is the digest of the off-chain reason document.
    event BatchRecalled(bytes32 indexed batchId, address indexed actor, bytes32 reasonHash);

    /// @notice `account` lacks `neededRole` or is suspended.
    error OcopLedgerUnauthorizedActor(address account, bytes32 neededRole);
    /// @notice `account` is not an active actor holding an operational (non-admin) role.
    error OcopLedgerUnknownActor(address account);
    /// @notice `role` is not one of the operational roles an actor can be onboarded with.
    error OcopLedgerInvalidRole(bytes32 role);
    /// @notice No batch was ever registered under `batchId`.
    error OcopLedgerUnknownBatch(bytes32 batchId);
    /// @notice A batch already exists under `batchId`.
    error OcopLedgerBatchExists(bytes32 batchId);
    /// @notice A quantity of zero grams was given.
    error OcopLedgerZeroQuantity();
    /// @notice `account` is not the current custodian of `batchId`.
    error OcopLedgerNotCustodian(bytes32 batchId, address account, address custodian);
    /// @notice `batchId` was recalled and cannot be used.
    error OcopLedgerBatchRecalled(bytes32 batchId);
    /// @notice `batchId` is not Active (it is `status`: exported or consumed).
    error OcopLedgerBatchNotActive(bytes32 batchId, Status status);
    /// @notice A transformation asked for `requested` grams of `batchId`, which has only `remaining`.
    error OcopLedgerInsufficientQuantity(bytes32 batchId, uint96 requested, uint96 remaining);
    /// @notice A transformation would output more grams than its inputs gave.
    error OcopLedgerMassBalanceExceeded(uint256 inputTotal, uint256 outputTotal);
    /// @notice A transformation has empty or mismatched arrays.
    error OcopLedgerInvalidTransformation();
    /// @notice The event digest `eventHash` is already anchored.
    error OcopLedgerEventAlreadyAnchored(bytes32 eventHash);
    /// @notice The event digest is zero.
    error OcopLedgerZeroEventHash();
    /// @notice `account` is neither an admin nor the active origin of `batchId`.
    error OcopLedgerUnauthorizedRecall(bytes32 batchId, address account);

    /// @dev Reverts unless the caller holds `role` and is an active actor.
    modifier onlyActive(bytes32 role) {
        _checkActive(role, msg.sender);
        _;
    }

    /// @notice The deployer becomes the admin.
    constructor() {
        _grantRole(ADMIN_ROLE, msg.sender);
    }

    // ------------------------------------------------------------------ actors

    /// @notice Grants `role` to `account`, records its GLN and marks it active.
    /// @dev Calling it again for an onboarded account adds the role, updates the GLN and re-activates it.
    /// @param account The actor's address.
    /// @param role One of COOPERATIVE, PROCESSOR, LAB, EXPORTER, CUSTOMS.
    /// @param gln The actor's GS1 Global Location Number.
    function onboardActor(address account, bytes32 role, uint64 gln) external onlyRole(ADMIN_ROLE) {
        if (!_isOperationalRole(role)) revert OcopLedgerInvalidRole(role);
        _grantRole(role, account);
        _actors[account] = Actor({gln: gln, active: true});
        emit ActorOnboarded(account, role, gln);
    }

    /// @notice Suspends `account`: it keeps its roles but can no longer write.
    /// @param account An onboarded, active actor.
    function suspendActor(address account) external onlyRole(ADMIN_ROLE) {
        Actor storage a = _actors[account];
        if (!a.active) revert OcopLedgerUnknownActor(account);
        a.active = false;
        emit ActorSuspended(account, msg.sender);
    }

    // ----------------------------------------------------------------- batches

    /// @notice Registers a harvest batch held and originated by the caller.
    /// @param batchId `batchIdOf(gtin, lot)`.
    /// @param quantity Grams harvested, > 0.
    /// @param eventHash Digest of the EPCIS Event Hash ID of the harvest event.
    function registerBatch(bytes32 batchId, uint96 quantity, bytes32 eventHash) external onlyActive(COOPERATIVE_ROLE) {
        if (quantity == 0) revert OcopLedgerZeroQuantity();
        _createBatch(batchId, quantity);
        _anchor(eventHash, batchId, KIND_REGISTER);
        emit BatchRegistered(batchId, msg.sender, quantity, eventHash);
    }

    /// @notice Anchors a step event (receiving, drying, packing, ...) of a batch the caller holds.
    /// @param batchId The batch.
    /// @param stepCode Short ASCII step code, right-padded to 32 bytes.
    /// @param eventHash Digest of the EPCIS Event Hash ID.
    function recordEvent(bytes32 batchId, bytes32 stepCode, bytes32 eventHash) external {
        _checkOperator(msg.sender);
        Batch storage b = _existing(batchId);
        if (b.status == Status.Recalled) revert OcopLedgerBatchRecalled(batchId);
        _checkCustodian(batchId, b);
        _anchor(eventHash, batchId, KIND_STEP);
        emit EventRecorded(batchId, msg.sender, stepCode, eventHash);
    }

    /// @notice Consumes grams of input batches the caller holds and creates new output batches.
    /// @dev The record is anchored once, with batchId = outputIds[0]. Each output remembers all inputs as parents.
    /// @param inputIds Existing Active batches held by the caller.
    /// @param inputQuantities Grams taken from each input, each > 0 and <= its remaining.
    /// @param outputIds New batch ids.
    /// @param outputQuantities Grams of each output, each > 0; their sum must not exceed the inputs' sum.
    /// @param eventHash Digest of the EPCIS Event Hash ID of the TransformationEvent.
    function transform(
        bytes32[] calldata inputIds,
        uint96[] calldata inputQuantities,
        bytes32[] calldata outputIds,
        uint96[] calldata outputQuantities,
        bytes32 eventHash
    ) external onlyActive(PROCESSOR_ROLE) {
        if (
            inputIds.length == 0 ||
            outputIds.length == 0 ||
            inputIds.length != inputQuantities.length ||
            outputIds.length != outputQuantities.length
        ) revert OcopLedgerInvalidTransformation();

        uint256 inputTotal = _consumeInputs(inputIds, inputQuantities);
        uint256 outputTotal;
        for (uint256 i = 0; i < outputIds.length; ++i) {
            uint96 quantity = outputQuantities[i];
            if (quantity == 0) revert OcopLedgerZeroQuantity();
            outputTotal += quantity;
            _createBatch(outputIds[i], quantity);
            _parents[outputIds[i]] = inputIds;
        }
        if (outputTotal > inputTotal) revert OcopLedgerMassBalanceExceeded(inputTotal, outputTotal);

        _anchor(eventHash, outputIds[0], KIND_TRANSFORMATION);
        emit BatchTransformed(eventHash, msg.sender, inputIds, inputQuantities, outputIds, outputQuantities);
    }

    /// @notice Hands a batch the caller holds to another active actor.
    /// @param batchId The batch; must not be recalled.
    /// @param to An active actor with an operational role.
    /// @param eventHash Digest of the EPCIS Event Hash ID of the shipping/receiving event.
    function transferCustody(bytes32 batchId, address to, bytes32 eventHash) external {
        _checkOperator(msg.sender);
        Batch storage b = _existing(batchId);
        if (b.status == Status.Recalled) revert OcopLedgerBatchRecalled(batchId);
        _checkCustodian(batchId, b);
        if (!_isOperator(to)) revert OcopLedgerUnknownActor(to);
        b.custodian = to;
        _anchor(eventHash, batchId, KIND_CUSTODY);
        emit CustodyTransferred(batchId, msg.sender, to, eventHash);
    }

    /// @notice Binds a lab certificate (digest of the document) to a batch.
    /// @param batchId An existing batch.
    /// @param documentHash Digest of the certificate document.
    /// @param validUntil Unix time the certificate expires.
    /// @param eventHash Digest of the EPCIS Event Hash ID carrying the certificationInfo.
    function attachCertificate(
        bytes32 batchId,
        bytes32 documentHash,
        uint64 validUntil,
        bytes32 eventHash
    ) external onlyActive(LAB_ROLE) {
        _existing(batchId);
        _anchor(eventHash, batchId, KIND_CERTIFICATE);
        emit CertificateAttached(batchId, msg.sender, documentHash, validUntil, eventHash);
    }

    /// @notice Records export clearance of an Active batch at a border gate; the batch becomes Exported.
    /// @param batchId An Active batch.
    /// @param declarationHash Digest of the export declaration.
    /// @param borderGateGln GLN of the border gate.
    /// @param eventHash Digest of the EPCIS Event Hash ID of the clearance event.
    function clearExport(
        bytes32 batchId,
        bytes32 declarationHash,
        uint64 borderGateGln,
        bytes32 eventHash
    ) external onlyActive(CUSTOMS_ROLE) {
        Batch storage b = _existing(batchId);
        _checkUsable(batchId, b);
        b.status = Status.Exported;
        _anchor(eventHash, batchId, KIND_EXPORT);
        emit ExportCleared(batchId, msg.sender, declarationHash, borderGateGln, eventHash);
    }

    /// @notice Recalls a batch. Descendants are found by the verifier through parent links.
    /// @param batchId An existing, not yet recalled batch.
    /// @param reasonHash Digest of the off-chain recall notice.
    function recall(bytes32 batchId, bytes32 reasonHash) external {
        Batch storage b = _existing(batchId);
        if (b.status == Status.Recalled) revert OcopLedgerBatchRecalled(batchId);
        bool isAdmin = hasRole(ADMIN_ROLE, msg.sender);
        if (!isAdmin && (b.origin != msg.sender || !_actors[msg.sender].active)) {
            revert OcopLedgerUnauthorizedRecall(batchId, msg.sender);
        }
        b.status = Status.Recalled;
        emit BatchRecalled(batchId, msg.sender, reasonHash);
    }

    // ------------------------------------------------------------------- views

    /// @notice The id of the batch with GS1 `gtin` and `lot`: keccak256(abi.encode(gtin, lot)).
    /// @param gtin The 14-digit GTIN.
    /// @param lot The lot/batch number (AI 10).
    /// @return The batch id.
    function batchIdOf(string calldata gtin, string calldata lot) external pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @notice The batch stored under `batchId` (status None if unknown).
    /// @param batchId The batch id.
    /// @return The batch.
    function batch(bytes32 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    /// @notice The actor record of `account` (gln 0, inactive if unknown).
    /// @param account The address.
    /// @return The actor.
    function actor(address account) external view returns (Actor memory) {
        return _actors[account];
    }

    /// @notice Where `eventHash` was anchored (actor zero if never).
    /// @param eventHash The event digest.
    /// @return The record.
    function eventRecord(bytes32 eventHash) external view returns (EventRecord memory) {
        return _events[eventHash];
    }

    /// @notice The input batches a transformation consumed to make `batchId` (empty for harvest batches).
    /// @param batchId The batch id.
    /// @return The parent batch ids.
    function parentsOf(bytes32 batchId) external view returns (bytes32[] memory) {
        return _parents[batchId];
    }

    // --------------------------------------------------------------- internals

    function _consumeInputs(
        bytes32[] calldata inputIds,
        uint96[] calldata inputQuantities
    ) private returns (uint256 inputTotal) {
        for (uint256 i = 0; i < inputIds.length; ++i) {
            bytes32 id = inputIds[i];
            uint96 requested = inputQuantities[i];
            Batch storage b = _existing(id);
            _checkUsable(id, b);
            _checkCustodian(id, b);
            if (requested == 0) revert OcopLedgerZeroQuantity();
            uint96 left = b.remaining;
            if (requested > left) revert OcopLedgerInsufficientQuantity(id, requested, left);
            unchecked {
                left -= requested; // checked just above
            }
            b.remaining = left;
            if (left == 0) b.status = Status.Consumed;
            inputTotal += requested;
        }
    }

    function _createBatch(bytes32 batchId, uint96 quantity) private {
        Batch storage b = _batches[batchId];
        if (b.status != Status.None) revert OcopLedgerBatchExists(batchId);
        b.custodian = msg.sender;
        b.quantity = quantity;
        b.origin = msg.sender;
        b.remaining = quantity;
        b.status = Status.Active;
    }

    function _anchor(bytes32 eventHash, bytes32 batchId, uint8 kind) private {
        if (eventHash == bytes32(0)) revert OcopLedgerZeroEventHash();
        EventRecord storage r = _events[eventHash];
        if (r.actor != address(0)) revert OcopLedgerEventAlreadyAnchored(eventHash);
        r.batchId = batchId;
        r.actor = msg.sender;
        r.blockNumber = uint64(block.number);
        r.kind = kind;
    }

    function _existing(bytes32 batchId) private view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.status == Status.None) revert OcopLedgerUnknownBatch(batchId);
    }

    function _checkUsable(bytes32 batchId, Batch storage b) private view {
        Status s = b.status;
        if (s == Status.Recalled) revert OcopLedgerBatchRecalled(batchId);
        if (s != Status.Active) revert OcopLedgerBatchNotActive(batchId, s);
    }

    function _checkCustodian(bytes32 batchId, Batch storage b) private view {
        address custodian = b.custodian;
        if (custodian != msg.sender) revert OcopLedgerNotCustodian(batchId, msg.sender, custodian);
    }

    function _checkActive(bytes32 role, address account) private view {
        if (!hasRole(role, account) || !_actors[account].active) {
            revert OcopLedgerUnauthorizedActor(account, role);
        }
    }

    function _checkOperator(address account) private view {
        if (!_isOperator(account)) revert OcopLedgerUnknownActor(account);
    }

    function _isOperator(address account) private view returns (bool) {
        return
            _actors[account].active &&
            (hasRole(COOPERATIVE_ROLE, account) ||
                hasRole(PROCESSOR_ROLE, account) ||
                hasRole(LAB_ROLE, account) ||
                hasRole(EXPORTER_ROLE, account) ||
                hasRole(CUSTOMS_ROLE, account));
    }

    function _isOperationalRole(bytes32 role) private pure returns (bool) {
        return
            role == COOPERATIVE_ROLE ||
            role == PROCESSOR_ROLE ||
            role == LAB_ROLE ||
            role == EXPORTER_ROLE ||
            role == CUSTOMS_ROLE;
    }
}
