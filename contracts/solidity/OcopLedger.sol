// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title OcopLedger
 * @notice Traceability ledger for OCOP and medicinal-herb batches of Lao Cai province.
 *
 * The chain keeps only what a verifier needs to distrust the operator's database:
 * who may write (actor registry), which batches and pallets exist, who holds them and
 * how many grams are left (mass balance), and the digest of every GS1 EPCIS event
 * (its Event Hash ID). Full EPCIS documents stay off chain.
 *
 * Gas model (see docs/ledger.md): a batch is ONE storage slot; event digests, lineage
 * (transformation inputs/outputs, pallet contents) and certificates live in LOGS. Every
 * log that anchors an event digest carries it as its first indexed topic, so
 * `eth_getLogs(address, topics=[null, digest])` finds it. The contract does not refuse a
 * digest anchored twice (that needs a storage slot per event): the verifier takes the
 * first anchoring log of a digest as authoritative.
 *
 * Invariants:
 * - `remaining <= quantity` for every batch, and only transformations, aggregation and
 *   consumption lower it;
 * - the outputs of a transformation never hold more grams than `inputs * yield`;
 * - a recalled or migrated batch never moves, transforms or clears export again;
 * - custody only moves from the current custodian (or a pallet's custodian);
 * - a suspended actor writes nothing; what it wrote before stays valid.
 *
 * `Multicall` runs many calls in one transaction, each with the original `msg.sender`
 * and its own checks; one failing call reverts them all.
 */
contract OcopLedger is Multicall, EIP712 {
    /// @notice Lifecycle of a batch or pallet. `None` means the id was never registered.
    enum Status {
        None,
        Active,
        Exported,
        Consumed,
        Recalled,
        InTransit,
        Aggregated,
        Migrated
    }

    /// @notice An actor as stored: one slot.
    struct Actor {
        uint32 id; // 1-based index, 0 = never onboarded; batches store ids, not addresses
        uint8 roles; // bitmap of ROLE_BIT_*
        bool suspended; // a suspended actor keeps its roles but writes nothing
        uint64 gln; // GS1 Global Location Number (13 digits fit in 64 bits)
    }

    /// @notice A batch (GTIN + lot) or a pallet (SSCC) as stored: exactly one slot.
    struct Batch {
        uint32 custodian; // actor id of the holder (still the shipper while InTransit)
        uint32 origin; // actor id of the creator: it may recall the batch
        uint48 quantity; // grams when created (a pallet: grams of its children)
        uint48 remaining; // grams not yet consumed by transformations
        Status status;
        uint8 flags; // FLAG_PALLET
        uint80 ref; // InTransit: consignee actor id; Aggregated: _palletRef(palletId)
    }

    /// @notice A batch as the `batch` view returns it, with addresses resolved.
    struct BatchView {
        address custodian; // holder (the shipper while in transit; zero while on a pallet)
        address origin; // creator
        uint48 quantity; // grams when created
        uint48 remaining; // grams left
        Status status; // lifecycle status of this batch only (see isRecalled for lineage)
        bool isPallet; // true for an SSCC pallet made by aggregate
        address consignee; // receiver of a shipment in transit, zero otherwise
    }

    /// @notice An actor as the `actor` view returns it.
    struct ActorView {
        uint64 gln; // GS1 GLN
        bool active; // onboarded and not suspended
        uint8 roles; // bitmap of ROLE_BIT_*
        bytes32 nameHash; // digest of the legal name (off chain)
    }

    /// @notice A Merkle root anchored by `anchorMerkleRoot`: one slot.
    struct RootRecord {
        uint32 actorId; // who anchored it
        uint32 count; // number of leaves (events) the root commits to
        uint64 blockNumber; // block it was anchored in
        uint64 timestamp; // block time it was anchored at
    }

    /// @notice Operator of the ledger (province); equal to OZ's DEFAULT_ADMIN_ROLE id.
    bytes32 public constant ADMIN_ROLE = 0x00;
    /// @notice Cooperatives (HTX) register harvest batches.
    bytes32 public constant COOPERATIVE_ROLE = keccak256("COOPERATIVE_ROLE");
    /// @notice Processors transform, split and merge batches.
    bytes32 public constant PROCESSOR_ROLE = keccak256("PROCESSOR_ROLE");
    /// @notice Labs and certifiers attach certificates.
    bytes32 public constant LAB_ROLE = keccak256("LAB_ROLE");
    /// @notice Exporters and logistics carry consignments.
    bytes32 public constant EXPORTER_ROLE = keccak256("EXPORTER_ROLE");
    /// @notice Customs record export clearance.
    bytes32 public constant CUSTOMS_ROLE = keccak256("CUSTOMS_ROLE");

    uint8 private constant _BIT_ADMIN = 1;
    uint8 private constant _BIT_COOPERATIVE = 2;
    uint8 private constant _BIT_PROCESSOR = 4;
    uint8 private constant _BIT_LAB = 8;
    uint8 private constant _BIT_EXPORTER = 16;
    uint8 private constant _BIT_CUSTOMS = 32;
    uint8 private constant _OPERATIONAL = 2 | 4 | 8 | 16 | 32;
    uint8 private constant _FLAG_PALLET = 1;
    uint16 private constant _FULL_YIELD_BPS = 10_000;

    /// @notice EIP-712 type of a receiver's consent to a one-step custody transfer.
    bytes32 public constant CUSTODY_CONSENT_TYPEHASH =
        keccak256("CustodyConsent(bytes32 batchId,address from,bytes32 eventHash,uint256 deadline)");

    /// @notice The ledger version this one continues (zero for the first); batches migrate from it.
    // The getter name `predecessor()` is the interface the registry and successors call.
    // solhint-disable-next-line immutable-vars-naming
    address public immutable predecessor;

    mapping(address account => Actor) private _actors;
    mapping(address account => bytes32) private _names;
    mapping(uint32 actorId => address) private _accounts;
    mapping(bytes32 batchId => Batch) private _batches;
    mapping(bytes32 certificateId => uint64) private _revokedAt;
    mapping(bytes32 root => RootRecord) private _roots;
    uint32 private _actorCount;
    uint32 private _adminCount;
    address private _successor;

    /// @notice An admin granted `role` to `account` (onboarding or an added role) at location `gln`.
    event ActorOnboarded(address indexed account, bytes32 indexed role, uint64 gln, bytes32 nameHash);
    /// @notice An admin took `role` away from `account`.
    event ActorRoleRevoked(address indexed account, bytes32 indexed role, address indexed admin);
    /// @notice `account` was suspended by `admin`; it can no longer write.
    event ActorSuspended(address indexed account, address indexed admin);
    /// @notice `account` was reinstated by `admin`.
    event ActorReinstated(address indexed account, address indexed admin);
    /// @notice A cooperative registered a harvest batch of `quantity` grams.
    event BatchRegistered(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor, uint48 quantity);
    /// @notice The custodian anchored a step (drying, packing, a sensor summary, ...) of a batch.
    event EventRecorded(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor, bytes32 stepCode);
    /// @notice A processor consumed grams of input batches into new output batches.
    /// @dev `batchId` is `outputIds[0]`; the arrays are the lineage the verifier walks.
    event BatchTransformed(
        bytes32 indexed eventHash,
        bytes32 indexed batchId,
        address indexed actor,
        bytes32[] inputIds,
        uint48[] inputQuantities,
        bytes32[] outputIds,
        uint48[] outputQuantities,
        uint16 yieldBps
    );
    /// @notice The custodian shipped a batch to `to`; it is in transit until `to` receives it.
    event CustodyShipped(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor, address to);
    /// @notice The consignee received a shipped batch and became its custodian.
    event CustodyReceived(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor);
    /// @notice The shipper took back a shipment not yet received.
    event ShipmentCancelled(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor);
    /// @notice Custody moved in one step from `actor` to `to`; `consented` if `to` signed for it.
    event CustodyTransferred(
        bytes32 indexed eventHash,
        bytes32 indexed batchId,
        address indexed actor,
        address to,
        bool consented
    );
    /// @notice `actor` put `childIds` on pallet `batchId` (an SSCC).
    event PalletAggregated(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor, bytes32[] childIds);
    /// @notice `actor` took `childIds` off pallet `batchId`.
    event PalletDisaggregated(
        bytes32 indexed eventHash,
        bytes32 indexed batchId,
        address indexed actor,
        bytes32[] childIds
    );
    /// @notice A lab attached a certificate valid from `validFrom` until `validUntil` (unix seconds).
    event CertificateAttached(
        bytes32 indexed eventHash,
        bytes32 indexed batchId,
        address indexed actor,
        bytes32 documentHash,
        uint64 validFrom,
        uint64 validUntil
    );
    /// @notice A certificate was revoked; `certificateId` is `certificateIdOf(batchId, documentHash, lab)`.
    event CertificateRevoked(
        bytes32 indexed certificateId,
        bytes32 indexed batchId,
        address indexed actor,
        bytes32 reasonHash
    );
    /// @notice Customs cleared a batch for export at border gate `borderGateGln`.
    event ExportCleared(
        bytes32 indexed eventHash,
        bytes32 indexed batchId,
        address indexed actor,
        bytes32 declarationHash,
        uint64 borderGateGln
    );
    /// @notice The custodian declared a batch used up (sold, destroyed, decommissioned).
    event BatchConsumed(bytes32 indexed eventHash, bytes32 indexed batchId, address indexed actor);
    /// @notice A batch was recalled; `reasonHash` is the digest of the off-chain recall notice.
    event BatchRecalled(bytes32 indexed batchId, address indexed actor, bytes32 reasonHash);
    /// @notice An EPCIS event captured through the API was anchored, not tied to batch state.
    event EventAnchored(bytes32 indexed eventHash, address indexed actor);
    /// @notice Event `eventHash` (an EPCIS errorDeclaration) declares `erroneousEventHash` erroneous.
    event ErrorDeclared(
        bytes32 indexed eventHash,
        bytes32 indexed erroneousEventHash,
        address indexed actor,
        bytes32 reasonCode
    );
    /// @notice `actor` anchored a Merkle root over `count` event digests.
    event MerkleRootAnchored(bytes32 indexed root, address indexed actor, uint32 count, bytes32 metadataHash);
    /// @notice This version stopped accepting writes; `successor` continues it.
    event LedgerRetired(address indexed successor, address indexed admin);
    /// @notice `batchId` moved to the successor version and is frozen here.
    event BatchMigrated(bytes32 indexed batchId, address indexed successor);
    /// @notice `batchId` was imported from the predecessor version by its custodian `actor`.
    event BatchImported(bytes32 indexed batchId, address indexed predecessor, address indexed actor);

    /// @notice `account` lacks `neededRole` or is suspended.
    error OcopLedgerUnauthorizedActor(address account, bytes32 neededRole);
    /// @notice `account` is not an active actor with an operational role.
    error OcopLedgerUnknownActor(address account);
    /// @notice `role` cannot be granted or revoked this way.
    error OcopLedgerInvalidRole(bytes32 role);
    /// @notice Removing `account` would leave the ledger without an admin.
    error OcopLedgerLastAdmin(address account);
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
    /// @notice `batchId` is `status`, and this call needs it Active.
    error OcopLedgerBatchNotActive(bytes32 batchId, Status status);
    /// @notice `batchId` is not in transit to `account`.
    error OcopLedgerNotConsignee(bytes32 batchId, address account);
    /// @notice Custody cannot move to its current holder.
    error OcopLedgerSelfTransfer(bytes32 batchId, address account);
    /// @notice The receiver's consent is expired or not signed by `to`.
    error OcopLedgerInvalidConsent(bytes32 batchId, address to);
    /// @notice A transformation asked for `requested` grams of `batchId`, which has only `remaining`.
    error OcopLedgerInsufficientQuantity(bytes32 batchId, uint48 requested, uint48 remaining);
    /// @notice The outputs hold more grams than `inputTotal * yieldBps / 10000`.
    error OcopLedgerMassBalanceExceeded(uint256 inputTotal, uint256 outputTotal, uint16 yieldBps);
    /// @notice The declared yield is 0 or above 100.00 % (10000 basis points).
    error OcopLedgerInvalidYield(uint16 yieldBps);
    /// @notice Empty or mismatched arrays.
    error OcopLedgerInvalidArrays();
    /// @notice The event digest is zero.
    error OcopLedgerZeroEventHash();
    /// @notice `validUntil` is not after `validFrom`.
    error OcopLedgerInvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice The certificate `certificateId` was already revoked.
    error OcopLedgerCertificateRevoked(bytes32 certificateId);
    /// @notice `account` is neither an admin nor the issuing lab `lab`.
    error OcopLedgerUnauthorizedRevocation(address account, address lab);
    /// @notice `account` is neither an admin nor the active origin of `batchId`.
    error OcopLedgerUnauthorizedRecall(bytes32 batchId, address account);
    /// @notice `childId` is not on pallet `palletId`.
    error OcopLedgerNotOnPallet(bytes32 palletId, bytes32 childId);
    /// @notice `batchId` is not a pallet.
    error OcopLedgerNotPallet(bytes32 batchId);
    /// @notice A Merkle root of zero, or a count of zero, was given.
    error OcopLedgerInvalidMerkleRoot(bytes32 root, uint32 count);
    /// @notice `root` is already anchored.
    error OcopLedgerRootAlreadyAnchored(bytes32 root);
    /// @notice This version was already retired in favour of `successor`.
    error OcopLedgerRetired(address successor);
    /// @notice Only the successor version may migrate batches out; `account` is not it.
    error OcopLedgerNotSuccessor(address account);
    /// @notice This version has no predecessor to import from.
    error OcopLedgerNoPredecessor();

    /// @dev Reverts unless the caller is an active admin.
    modifier onlyAdmin() {
        _requireRole(msg.sender, _BIT_ADMIN, ADMIN_ROLE);
        _;
    }

    /// @notice The deployer becomes the first admin.
    /// @param predecessor_ The version this one continues, or zero for the first version.
    constructor(address predecessor_) EIP712("OcopLedger", "2") {
        predecessor = predecessor_;
        _accounts[1] = msg.sender;
        _actorCount = 1;
        _adminCount = 1;
        _actors[msg.sender] = Actor({id: 1, roles: _BIT_ADMIN, suspended: false, gln: 0});
    }

    // ------------------------------------------------------------------ actors

    /// @notice Grants an operational `role` to `account`, records its GLN and name hash and reinstates it.
    /// @dev Calling it again adds the role, updates GLN and name hash, and lifts a suspension.
    /// @param account The actor's address.
    /// @param role One of COOPERATIVE, PROCESSOR, LAB, EXPORTER, CUSTOMS.
    /// @param gln The actor's GS1 Global Location Number.
    /// @param nameHash Digest of the actor's legal name (the name itself stays off chain).
    function onboardActor(address account, bytes32 role, uint64 gln, bytes32 nameHash) external onlyAdmin {
        uint8 bit = _roleBit(role);
        if (bit & _OPERATIONAL == 0) revert OcopLedgerInvalidRole(role);
        Actor storage a = _enrol(account);
        a.roles |= bit;
        a.gln = gln;
        a.suspended = false;
        _names[account] = nameHash;
        emit ActorOnboarded(account, role, gln, nameHash);
    }

    /// @notice Takes `role` away from `account`; events it wrote before stay valid.
    /// @param account An actor holding `role`.
    /// @param role Any role, ADMIN included (never the last active admin's).
    function revokeRole(address account, bytes32 role) external onlyAdmin {
        uint8 bit = _roleBit(role);
        Actor storage a = _actors[account];
        if (bit == 0 || a.roles & bit == 0) revert OcopLedgerInvalidRole(role);
        if (bit == _BIT_ADMIN) _dropAdmin(account);
        a.roles &= ~bit;
        emit ActorRoleRevoked(account, role, msg.sender);
    }

    /// @notice Makes `account` an admin (another province operator).
    /// @param account Any address.
    function grantAdmin(address account) external onlyAdmin {
        Actor storage a = _enrol(account);
        if (a.roles & _BIT_ADMIN != 0) revert OcopLedgerInvalidRole(ADMIN_ROLE);
        a.roles |= _BIT_ADMIN;
        if (!a.suspended) ++_adminCount;
        emit ActorOnboarded(account, ADMIN_ROLE, a.gln, _names[account]);
    }

    /// @notice Suspends `account`: it keeps its roles but can no longer write.
    /// @param account An onboarded, not suspended actor.
    function suspendActor(address account) external onlyAdmin {
        Actor storage a = _actors[account];
        if (a.id == 0 || a.suspended) revert OcopLedgerUnknownActor(account);
        if (a.roles & _BIT_ADMIN != 0) _dropAdmin(account);
        a.suspended = true;
        emit ActorSuspended(account, msg.sender);
    }

    /// @notice Lifts the suspension of `account`.
    /// @param account A suspended actor.
    function reinstateActor(address account) external onlyAdmin {
        Actor storage a = _actors[account];
        if (!a.suspended) revert OcopLedgerUnknownActor(account);
        a.suspended = false;
        if (a.roles & _BIT_ADMIN != 0) ++_adminCount;
        emit ActorReinstated(account, msg.sender);
    }

    // ----------------------------------------------------------------- batches

    /// @notice Registers a harvest batch held and originated by the caller (COOPERATIVE).
    /// @param batchId `batchIdOf(gtin, lot)`.
    /// @param quantity Grams harvested, > 0.
    /// @param eventHash Digest of the EPCIS Event Hash ID of the harvest event.
    function registerBatch(bytes32 batchId, uint48 quantity, bytes32 eventHash) external {
        uint32 me = _requireRole(msg.sender, _BIT_COOPERATIVE, COOPERATIVE_ROLE);
        _requireDigest(eventHash);
        if (quantity == 0) revert OcopLedgerZeroQuantity();
        _createBatch(batchId, me, quantity, 0);
        emit BatchRegistered(eventHash, batchId, msg.sender, quantity);
    }

    /// @notice Anchors a step event (drying, packing, ...) of a batch the caller holds.
    /// @param batchId A batch held by the caller, not recalled.
    /// @param stepCode Short ASCII step code, right-padded to 32 bytes.
    /// @param eventHash Digest of the EPCIS Event Hash ID.
    function recordEvent(bytes32 batchId, bytes32 stepCode, bytes32 eventHash) external {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        Batch storage b = _existing(batchId);
        Status s = b.status;
        if (s == Status.Recalled) revert OcopLedgerBatchRecalled(batchId);
        if (s == Status.Migrated || s == Status.Aggregated) revert OcopLedgerBatchNotActive(batchId, s);
        _requireCustodian(batchId, b, me);
        emit EventRecorded(eventHash, batchId, msg.sender, stepCode);
    }

    /// @notice Consumes grams of input batches the caller holds into new output batches (PROCESSOR).
    /// @dev A split has one input, a merge one output. Lineage lives in the BatchTransformed log.
    /// @param inputIds Active batches held by the caller, each at most once.
    /// @param inputQuantities Grams taken from each input, each > 0 and <= its remaining.
    /// @param outputIds New batch ids.
    /// @param outputQuantities Grams of each output, each > 0.
    /// @param yieldBps Declared yield in basis points (1..10000): outputs <= inputs * yieldBps / 10000.
    /// @param eventHash Digest of the EPCIS Event Hash ID of the TransformationEvent.
    function transform(
        bytes32[] calldata inputIds,
        uint48[] calldata inputQuantities,
        bytes32[] calldata outputIds,
        uint48[] calldata outputQuantities,
        uint16 yieldBps,
        bytes32 eventHash
    ) external {
        _applyTransform(inputIds, inputQuantities, outputIds, outputQuantities, yieldBps, eventHash);
        emit BatchTransformed(
            eventHash,
            outputIds[0],
            msg.sender,
            inputIds,
            inputQuantities,
            outputIds,
            outputQuantities,
            yieldBps
        );
    }

    /// @notice Ships a batch (or pallet) the caller holds to `to`; custody moves when `to` receives it.
    /// @param batchId An Active batch held by the caller.
    /// @param to An active actor with an operational role, not the caller.
    /// @param eventHash Digest of the EPCIS shipping event.
    function ship(bytes32 batchId, address to, bytes32 eventHash) external {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        Batch storage b = _movable(batchId, me);
        uint32 consignee = _requireOperator(to);
        if (consignee == me) revert OcopLedgerSelfTransfer(batchId, to);
        b.status = Status.InTransit;
        b.ref = consignee;
        emit CustodyShipped(eventHash, batchId, msg.sender, to);
    }

    /// @notice The consignee of a shipment takes custody of it.
    /// @param batchId A batch in transit to the caller.
    /// @param eventHash Digest of the EPCIS receiving event.
    function receiveBatch(bytes32 batchId, bytes32 eventHash) external {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        Batch storage b = _existing(batchId);
        if (b.status != Status.InTransit || b.ref != me) revert OcopLedgerNotConsignee(batchId, msg.sender);
        b.custodian = me;
        b.status = Status.Active;
        b.ref = 0;
        emit CustodyReceived(eventHash, batchId, msg.sender);
    }

    /// @notice The shipper takes back a shipment its consignee has not received.
    /// @param batchId A batch the caller shipped, still in transit.
    /// @param eventHash Digest of the EPCIS event cancelling the shipment.
    function cancelShipment(bytes32 batchId, bytes32 eventHash) external {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        Batch storage b = _existing(batchId);
        Status s = b.status;
        if (s != Status.InTransit) revert OcopLedgerBatchNotActive(batchId, s);
        _requireCustodian(batchId, b, me);
        b.status = Status.Active;
        b.ref = 0;
        emit ShipmentCancelled(eventHash, batchId, msg.sender);
    }

    /// @notice Hands a batch the caller holds to the active actor `to` in one step.
    /// @dev Kept for the operator-mediated flow: `to` did not sign. Prefer ship/receiveBatch
    /// or transferWithConsent; the log's `consented` flag tells the verifier which it was.
    /// @param batchId An Active batch held by the caller.
    /// @param to An active actor with an operational role.
    /// @param eventHash Digest of the EPCIS shipping/receiving event.
    function transferCustody(bytes32 batchId, address to, bytes32 eventHash) external {
        _transfer(batchId, to, eventHash, false);
    }

    /// @notice Hands a batch to `to` in one step, with `to`'s EIP-712 CustodyConsent signature.
    /// @param batchId An Active batch held by the caller.
    /// @param to The receiver, who signed CustodyConsent(batchId, caller, eventHash, deadline).
    /// @param eventHash Digest of the EPCIS event.
    /// @param deadline Unix time after which the consent is void.
    /// @param signature `to`'s 65-byte signature of the typed data.
    function transferWithConsent(
        bytes32 batchId,
        address to,
        bytes32 eventHash,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(CUSTODY_CONSENT_TYPEHASH, batchId, msg.sender, eventHash, deadline))
        );
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature);
        // solhint-disable-next-line not-rely-on-time
        if (err != ECDSA.RecoverError.NoError || signer != to || block.timestamp > deadline) {
            revert OcopLedgerInvalidConsent(batchId, to);
        }
        _transfer(batchId, to, eventHash, true);
    }

    /// @notice Puts whole batches the caller holds on a new pallet (SSCC) held by the caller.
    /// @param palletId `batchIdOf(sscc, "")` or any new id for the logistic unit.
    /// @param childIds Active batches (or pallets) held by the caller.
    /// @param eventHash Digest of the EPCIS AggregationEvent (action ADD).
    function aggregate(bytes32 palletId, bytes32[] calldata childIds, bytes32 eventHash) external {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        if (childIds.length == 0) revert OcopLedgerInvalidArrays();
        uint80 ref = _palletRef(palletId);
        uint256 total;
        for (uint256 i = 0; i < childIds.length; ++i) {
            Batch storage child = _movable(childIds[i], me);
            total += child.remaining;
            child.status = Status.Aggregated;
            child.custodian = 0;
            child.ref = ref;
        }
        _createBatch(palletId, me, uint48(total), _FLAG_PALLET);
        emit PalletAggregated(eventHash, palletId, msg.sender, childIds);
    }

    /// @notice Takes batches off a pallet the caller holds; they become Active and held by the caller.
    /// @dev A pallet whose last child is taken off becomes Consumed.
    /// @param palletId An Active pallet held by the caller.
    /// @param childIds Batches on that pallet.
    /// @param eventHash Digest of the EPCIS AggregationEvent (action DELETE).
    function disaggregate(bytes32 palletId, bytes32[] calldata childIds, bytes32 eventHash) external {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        if (childIds.length == 0) revert OcopLedgerInvalidArrays();
        Batch storage pallet = _movable(palletId, me);
        if (pallet.flags & _FLAG_PALLET == 0) revert OcopLedgerNotPallet(palletId);
        uint80 ref = _palletRef(palletId);
        uint48 left = pallet.remaining;
        for (uint256 i = 0; i < childIds.length; ++i) {
            Batch storage child = _batches[childIds[i]];
            if (child.status != Status.Aggregated || child.ref != ref) {
                revert OcopLedgerNotOnPallet(palletId, childIds[i]);
            }
            left -= child.remaining; // a pallet's remaining is the sum of its children's
            child.status = Status.Active;
            child.custodian = me;
            child.ref = 0;
        }
        pallet.remaining = left;
        if (left == 0) pallet.status = Status.Consumed;
        emit PalletDisaggregated(eventHash, palletId, msg.sender, childIds);
    }

    /// @notice Binds a lab certificate (digest of the document) to a batch (LAB).
    /// @dev The certificate lives in the log; only a revocation takes storage.
    /// @param batchId An existing batch.
    /// @param documentHash Digest of the certificate document.
    /// @param validFrom Unix time the certificate is valid from (0: from its event time).
    /// @param validUntil Unix time the certificate expires; > validFrom.
    /// @param eventHash Digest of the EPCIS event carrying the certificationInfo.
    function attachCertificate(
        bytes32 batchId,
        bytes32 documentHash,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 eventHash
    ) external {
        _requireRole(msg.sender, _BIT_LAB, LAB_ROLE);
        _requireDigest(eventHash);
        if (validUntil <= validFrom) revert OcopLedgerInvalidValidity(validFrom, validUntil);
        _existing(batchId);
        emit CertificateAttached(eventHash, batchId, msg.sender, documentHash, validFrom, validUntil);
    }

    /// @notice Revokes the certificate `lab` attached with `documentHash` to `batchId` (that LAB or an admin).
    /// @param batchId The certified batch.
    /// @param documentHash The certificate's document digest.
    /// @param lab The issuing lab.
    /// @param reasonHash Digest of the off-chain revocation notice.
    function revokeCertificate(bytes32 batchId, bytes32 documentHash, address lab, bytes32 reasonHash) external {
        Actor storage a = _actors[msg.sender];
        bool allowed = !a.suspended &&
            (a.roles & _BIT_ADMIN != 0 || (msg.sender == lab && a.roles & _BIT_LAB != 0));
        if (!allowed) revert OcopLedgerUnauthorizedRevocation(msg.sender, lab);
        bytes32 certificateId = certificateIdOf(batchId, documentHash, lab);
        if (_revokedAt[certificateId] != 0) revert OcopLedgerCertificateRevoked(certificateId);
        _revokedAt[certificateId] = uint64(block.timestamp);
        emit CertificateRevoked(certificateId, batchId, msg.sender, reasonHash);
    }

    /// @notice Records export clearance of an Active batch or pallet; it becomes Exported (CUSTOMS only).
    /// @param batchId An Active batch or pallet.
    /// @param declarationHash Digest of the export declaration.
    /// @param borderGateGln GLN of the border gate.
    /// @param eventHash Digest of the EPCIS clearance event.
    function clearExport(
        bytes32 batchId,
        bytes32 declarationHash,
        uint64 borderGateGln,
        bytes32 eventHash
    ) external {
        _requireRole(msg.sender, _BIT_CUSTOMS, CUSTOMS_ROLE);
        _requireDigest(eventHash);
        Batch storage b = _existing(batchId);
        _requireActive(batchId, b.status);
        b.status = Status.Exported;
        emit ExportCleared(eventHash, batchId, msg.sender, declarationHash, borderGateGln);
    }

    /// @notice The custodian declares an Active batch used up (sold, destroyed); it becomes Consumed.
    /// @param batchId An Active batch held by the caller.
    /// @param eventHash Digest of the EPCIS event (e.g. bizStep destroying or retail_selling).
    function consumeBatch(bytes32 batchId, bytes32 eventHash) external {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        Batch storage b = _movable(batchId, me);
        b.remaining = 0;
        b.status = Status.Consumed;
        emit BatchConsumed(eventHash, batchId, msg.sender);
    }

    /// @notice Recalls a batch (an admin, or its origin while active). Descendants: see isRecalled.
    /// @param batchId An existing batch, not yet recalled.
    /// @param reasonHash Digest of the off-chain recall notice.
    function recall(bytes32 batchId, bytes32 reasonHash) external {
        Batch storage b = _existing(batchId);
        if (b.status == Status.Recalled) revert OcopLedgerBatchRecalled(batchId);
        Actor storage a = _actors[msg.sender];
        bool allowed = !a.suspended && a.id != 0 && (a.roles & _BIT_ADMIN != 0 || b.origin == a.id);
        if (!allowed) revert OcopLedgerUnauthorizedRecall(batchId, msg.sender);
        b.status = Status.Recalled;
        emit BatchRecalled(batchId, msg.sender, reasonHash);
    }

    // --------------------------------------------------------------- anchoring

    /// @notice Anchors EPCIS event digests captured through the API, not tied to batch state.
    /// @param eventHashes Digests of EPCIS Event Hash IDs, none zero.
    function anchorEvents(bytes32[] calldata eventHashes) external {
        _requireOperator(msg.sender);
        if (eventHashes.length == 0) revert OcopLedgerInvalidArrays();
        for (uint256 i = 0; i < eventHashes.length; ++i) {
            bytes32 eventHash = eventHashes[i];
            if (eventHash == bytes32(0)) revert OcopLedgerZeroEventHash();
            emit EventAnchored(eventHash, msg.sender);
        }
    }

    /// @notice Anchors an EPCIS event that declares `erroneousEventHash` erroneous (errorDeclaration).
    /// @dev The verifier honours it only from the erroneous event's own actor or an admin.
    /// @param erroneousEventHash Digest of the event declared erroneous.
    /// @param eventHash Digest of the event carrying the errorDeclaration (the correction).
    /// @param reasonCode CBV error reason (e.g. "incorrect_data"), ASCII right-padded.
    function declareError(bytes32 erroneousEventHash, bytes32 eventHash, bytes32 reasonCode) external {
        Actor storage a = _actors[msg.sender];
        if (a.suspended || a.roles == 0) revert OcopLedgerUnknownActor(msg.sender);
        _requireDigest(eventHash);
        if (erroneousEventHash == bytes32(0)) revert OcopLedgerZeroEventHash();
        emit ErrorDeclared(eventHash, erroneousEventHash, msg.sender, reasonCode);
    }

    /// @notice Anchors the root of a Merkle tree over `count` high-volume event digests.
    /// @dev Leaves are `merkleLeaf(digest)`; pairs are hashed sorted (OpenZeppelin MerkleProof).
    /// @param root The tree's root, not anchored before.
    /// @param count Number of leaves, > 0.
    /// @param metadataHash Digest of the off-chain batch description (time range, device, ...).
    function anchorMerkleRoot(bytes32 root, uint32 count, bytes32 metadataHash) external {
        uint32 me = _requireOperator(msg.sender);
        if (root == bytes32(0) || count == 0) revert OcopLedgerInvalidMerkleRoot(root, count);
        RootRecord storage r = _roots[root];
        if (r.actorId != 0) revert OcopLedgerRootAlreadyAnchored(root);
        _roots[root] = RootRecord({
            actorId: me,
            count: count,
            blockNumber: uint64(block.number),
            timestamp: uint64(block.timestamp)
        });
        emit MerkleRootAnchored(root, msg.sender, count, metadataHash);
    }

    // ----------------------------------------------------------------- upgrade

    /// @notice Stops all writes to this version; `successor` continues it (ADMIN, once).
    /// @param successor The new version, whose `predecessor` is this contract.
    function retire(address successor) external onlyAdmin {
        if (_successor != address(0)) revert OcopLedgerRetired(_successor);
        if (successor == address(0) || OcopLedger(successor).predecessor() != address(this)) {
            revert OcopLedgerNotSuccessor(successor);
        }
        _successor = successor;
        emit LedgerRetired(successor, msg.sender);
    }

    /// @notice Freezes `batchId` here and hands its state to the successor (successor only).
    /// @param batchId An Active batch.
    /// @return custodian The batch's custodian.
    /// @return origin The batch's origin.
    /// @return quantity Grams when created.
    /// @return remaining Grams left.
    function migrateOut(
        bytes32 batchId
    ) external returns (address custodian, address origin, uint48 quantity, uint48 remaining) {
        if (msg.sender != _successor || msg.sender == address(0)) revert OcopLedgerNotSuccessor(msg.sender);
        Batch storage b = _existing(batchId);
        _requireActive(batchId, b.status);
        b.status = Status.Migrated;
        emit BatchMigrated(batchId, msg.sender);
        return (_accounts[b.custodian], _accounts[b.origin], b.quantity, b.remaining);
    }

    /// @notice Imports an Active batch from the retired predecessor; the caller must be its custodian there.
    /// @dev The origin keeps its recall right only if it is onboarded here.
    /// @param batchId The batch id on the predecessor.
    function importBatch(bytes32 batchId) external {
        uint32 me = _requireOperator(msg.sender);
        if (predecessor == address(0)) revert OcopLedgerNoPredecessor();
        (address custodian, address origin, uint48 quantity, uint48 remaining) = OcopLedger(predecessor)
            .migrateOut(batchId);
        if (custodian != msg.sender) revert OcopLedgerNotCustodian(batchId, msg.sender, custodian);
        if (_batches[batchId].status != Status.None) revert OcopLedgerBatchExists(batchId);
        _batches[batchId] = Batch({
            custodian: me,
            origin: _actors[origin].id,
            quantity: quantity,
            remaining: remaining,
            status: Status.Active,
            flags: 0,
            ref: 0
        });
        emit BatchImported(batchId, predecessor, msg.sender);
    }

    // ------------------------------------------------------------------- views

    /// @notice The id of the batch with GS1 `gtin` and `lot`: keccak256(abi.encode(gtin, lot)).
    /// @param gtin The 14-digit GTIN (or an 18-digit SSCC for a pallet, with an empty lot).
    /// @param lot The lot/batch number (AI 10).
    /// @return The batch id.
    function batchIdOf(string calldata gtin, string calldata lot) external pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @notice The id under which a certificate can be revoked.
    /// @param batchId The certified batch.
    /// @param documentHash The certificate's document digest.
    /// @param lab The issuing lab.
    /// @return keccak256(abi.encode(batchId, documentHash, lab)).
    function certificateIdOf(bytes32 batchId, bytes32 documentHash, address lab) public pure returns (bytes32) {
        return keccak256(abi.encode(batchId, documentHash, lab));
    }

    /// @notice When certificate `certificateId` was revoked (unix seconds), 0 if never.
    /// @param certificateId `certificateIdOf(batchId, documentHash, lab)`.
    /// @return The revocation time.
    function certificateRevokedAt(bytes32 certificateId) external view returns (uint64) {
        return _revokedAt[certificateId];
    }

    /// @notice The batch or pallet stored under `batchId` (status None if unknown).
    /// @param batchId The batch id.
    /// @return v The batch.
    function batch(bytes32 batchId) external view returns (BatchView memory v) {
        Batch storage b = _batches[batchId];
        v.custodian = _accounts[b.custodian];
        v.origin = _accounts[b.origin];
        v.quantity = b.quantity;
        v.remaining = b.remaining;
        v.status = b.status;
        v.isPallet = b.flags & _FLAG_PALLET != 0;
        if (b.status == Status.InTransit) v.consignee = _accounts[uint32(b.ref)];
    }

    /// @notice True if `batchId` itself, or the pallet it sits on (transitively), is recalled.
    /// @dev Ancestors through transformations are NOT walked on chain (lineage lives in logs):
    /// the verifier, and `Ledger.is_recalled` in Python, walk BatchTransformed logs for them.
    /// @param batchId The batch id.
    /// @param palletIds Pallets to check `batchId` is on, innermost first (may be empty).
    /// @return Whether the batch or one of the given pallets holding it is recalled.
    function isRecalled(bytes32 batchId, bytes32[] calldata palletIds) external view returns (bool) {
        Batch storage b = _batches[batchId];
        if (b.status == Status.Recalled) return true;
        for (uint256 i = 0; i < palletIds.length && b.status == Status.Aggregated; ++i) {
            if (b.ref != _palletRef(palletIds[i])) return false;
            b = _batches[palletIds[i]];
            if (b.status == Status.Recalled) return true;
        }
        return false;
    }

    /// @notice The actor record of `account` (gln 0, inactive if unknown).
    /// @param account The address.
    /// @return The actor.
    function actor(address account) external view returns (ActorView memory) {
        Actor storage a = _actors[account];
        return ActorView({gln: a.gln, active: a.id != 0 && !a.suspended, roles: a.roles, nameHash: _names[account]});
    }

    /// @notice Whether `account` was granted `role` (suspension does not remove it; see `canWrite`).
    /// @param role A role id.
    /// @param account The address.
    /// @return True if granted.
    function hasRole(bytes32 role, address account) external view returns (bool) {
        uint8 bit = _roleBit(role);
        return bit != 0 && _actors[account].roles & bit != 0;
    }

    /// @notice Whether `account` holds `role` and is not suspended, i.e. may write as `role` now.
    /// @dev Called with a past block number, it answers "could it write at that block".
    /// @param role A role id.
    /// @param account The address.
    /// @return True if it may write.
    function canWrite(bytes32 role, address account) external view returns (bool) {
        uint8 bit = _roleBit(role);
        Actor storage a = _actors[account];
        return bit != 0 && a.roles & bit != 0 && !a.suspended;
    }

    /// @notice The address of actor number `actorId` (zero if none).
    /// @param actorId The 1-based actor id.
    /// @return The account.
    function accountOf(uint32 actorId) external view returns (address) {
        return _accounts[actorId];
    }

    /// @notice The Merkle root record (actorId 0 if never anchored).
    /// @param root The root.
    /// @return The record.
    function merkleRoot(bytes32 root) external view returns (RootRecord memory) {
        return _roots[root];
    }

    /// @notice The leaf of `eventDigest`: keccak256(bytes.concat(keccak256(abi.encode(eventDigest)))).
    /// @dev The double hash of OpenZeppelin's StandardMerkleTree: a leaf can never pass as an inner node.
    /// @param eventDigest An event digest.
    /// @return The leaf.
    function merkleLeaf(bytes32 eventDigest) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(eventDigest))));
    }

    /// @notice True if `root` was anchored here and `proof` shows `eventDigest` is one of its leaves.
    /// @param root An anchored Merkle root.
    /// @param eventDigest The event digest to prove.
    /// @param proof Sibling hashes from leaf to root (sorted-pair keccak256).
    /// @return Whether the inclusion holds.
    function verifyInclusion(
        bytes32 root,
        bytes32 eventDigest,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return _roots[root].actorId != 0 && MerkleProof.verifyCalldata(proof, root, merkleLeaf(eventDigest));
    }

    /// @notice The version continuing this one (zero while this one is current).
    /// @return The successor.
    function successor() external view returns (address) {
        return _successor;
    }

    /// @notice The EIP-712 digest `to` signs to consent to receive `batchId` from `from`.
    /// @param batchId The batch.
    /// @param from The current custodian who will call transferWithConsent.
    /// @param eventHash The event digest the transfer will anchor.
    /// @param deadline Unix time after which the consent is void.
    /// @return The typed-data digest.
    function custodyConsentDigest(
        bytes32 batchId,
        address from,
        bytes32 eventHash,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CUSTODY_CONSENT_TYPEHASH, batchId, from, eventHash, deadline)));
    }

    // --------------------------------------------------------------- internals

    function _transfer(bytes32 batchId, address to, bytes32 eventHash, bool consented) private {
        uint32 me = _requireOperator(msg.sender);
        _requireDigest(eventHash);
        Batch storage b = _movable(batchId, me);
        uint32 receiver = _requireOperator(to);
        if (receiver == me) revert OcopLedgerSelfTransfer(batchId, to);
        b.custodian = receiver;
        emit CustodyTransferred(eventHash, batchId, msg.sender, to, consented);
    }

    function _applyTransform(
        bytes32[] calldata inputIds,
        uint48[] calldata inputQuantities,
        bytes32[] calldata outputIds,
        uint48[] calldata outputQuantities,
        uint16 yieldBps,
        bytes32 eventHash
    ) private {
        uint32 me = _requireRole(msg.sender, _BIT_PROCESSOR, PROCESSOR_ROLE);
        _requireDigest(eventHash);
        if (
            inputIds.length == 0 ||
            outputIds.length == 0 ||
            inputIds.length != inputQuantities.length ||
            outputIds.length != outputQuantities.length
        ) revert OcopLedgerInvalidArrays();
        if (yieldBps == 0 || yieldBps > _FULL_YIELD_BPS) revert OcopLedgerInvalidYield(yieldBps);

        uint256 inputTotal = _consumeInputs(inputIds, inputQuantities, me);
        uint256 outputTotal;
        for (uint256 i = 0; i < outputIds.length; ++i) {
            uint48 quantity = outputQuantities[i];
            if (quantity == 0) revert OcopLedgerZeroQuantity();
            outputTotal += quantity;
            _createBatch(outputIds[i], me, quantity, 0);
        }
        if (outputTotal * _FULL_YIELD_BPS > inputTotal * yieldBps) {
            revert OcopLedgerMassBalanceExceeded(inputTotal, outputTotal, yieldBps);
        }
    }

    function _consumeInputs(
        bytes32[] calldata inputIds,
        uint48[] calldata inputQuantities,
        uint32 me
    ) private returns (uint256 inputTotal) {
        for (uint256 i = 0; i < inputIds.length; ++i) {
            bytes32 id = inputIds[i];
            uint48 requested = inputQuantities[i];
            if (requested == 0) revert OcopLedgerZeroQuantity();
            Batch storage b = _movable(id, me);
            uint48 left = b.remaining;
            if (requested > left) revert OcopLedgerInsufficientQuantity(id, requested, left);
            unchecked {
                left -= requested; // checked just above
            }
            b.remaining = left;
            if (left == 0) b.status = Status.Consumed;
            inputTotal += requested;
        }
    }

    function _createBatch(bytes32 batchId, uint32 creator, uint48 quantity, uint8 flags) private {
        Batch storage b = _batches[batchId];
        if (b.status != Status.None) revert OcopLedgerBatchExists(batchId);
        // One SSTORE of the whole slot. Solidity would store field by field (about 2,300 gas
        // more), which alone breaks the 50,000-gas goal of registerBatch. The word follows
        // Solidity's packing of `Batch` (first field in the lowest bits); ref is 0.
        uint256 word = uint256(creator) |
            (uint256(creator) << 32) |
            (uint256(quantity) << 64) |
            (uint256(quantity) << 112) |
            (uint256(uint8(Status.Active)) << 160) |
            (uint256(flags) << 168);
        // solhint-disable-next-line no-inline-assembly
        assembly {
            sstore(b.slot, word)
        }
    }

    function _enrol(address account) private returns (Actor storage a) {
        a = _actors[account];
        if (a.id == 0) {
            uint32 id = ++_actorCount;
            a.id = id;
            _accounts[id] = account;
        }
    }

    function _dropAdmin(address account) private {
        if (_adminCount == 1) revert OcopLedgerLastAdmin(account);
        --_adminCount;
    }

    /// @dev A batch that exists, is Active and is held by actor `me`.
    function _movable(bytes32 batchId, uint32 me) private view returns (Batch storage b) {
        b = _existing(batchId);
        _requireActive(batchId, b.status);
        _requireCustodian(batchId, b, me);
    }

    function _existing(bytes32 batchId) private view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.status == Status.None) revert OcopLedgerUnknownBatch(batchId);
    }

    function _requireActive(bytes32 batchId, Status s) private pure {
        if (s == Status.Recalled) revert OcopLedgerBatchRecalled(batchId);
        if (s != Status.Active) revert OcopLedgerBatchNotActive(batchId, s);
    }

    function _requireCustodian(bytes32 batchId, Batch storage b, uint32 me) private view {
        uint32 custodian = b.custodian;
        if (custodian != me) revert OcopLedgerNotCustodian(batchId, msg.sender, _accounts[custodian]);
    }

    /// @dev The actor id of `account` if it holds role `bit` and is not suspended; reverts otherwise.
    function _requireRole(address account, uint8 bit, bytes32 role) private view returns (uint32) {
        Actor storage a = _actors[account];
        if (a.roles & bit == 0 || a.suspended) revert OcopLedgerUnauthorizedActor(account, role);
        return a.id;
    }

    /// @dev The actor id of `account` if it holds an operational role and is not suspended.
    function _requireOperator(address account) private view returns (uint32) {
        Actor storage a = _actors[account];
        if (a.roles & _OPERATIONAL == 0 || a.suspended) revert OcopLedgerUnknownActor(account);
        return a.id;
    }

    function _requireDigest(bytes32 eventHash) private pure {
        if (eventHash == bytes32(0)) revert OcopLedgerZeroEventHash();
    }

    function _roleBit(bytes32 role) private pure returns (uint8) {
        if (role == ADMIN_ROLE) return _BIT_ADMIN;
        if (role == COOPERATIVE_ROLE) return _BIT_COOPERATIVE;
        if (role == PROCESSOR_ROLE) return _BIT_PROCESSOR;
        if (role == LAB_ROLE) return _BIT_LAB;
        if (role == EXPORTER_ROLE) return _BIT_EXPORTER;
        if (role == CUSTOMS_ROLE) return _BIT_CUSTOMS;
        return 0;
    }

    function _palletRef(bytes32 palletId) private pure returns (uint80) {
        // Hashed, so nobody can pick a pallet id whose low bits match another pallet's.
        return uint80(uint256(keccak256(abi.encode(palletId))));
    }
}
