// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ConsortiumAccess} from "../../contracts/access/ConsortiumAccess.sol";
import {ReinsuranceTreaty} from "../../contracts/capital/ReinsuranceTreaty.sol";
import {RiskPool} from "../../contracts/capital/RiskPool.sol";
import {EvidenceRegistry} from "../../contracts/evidence/EvidenceRegistry.sol";
import {IConsortiumAccess} from "../../contracts/interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../../contracts/interfaces/IEvidenceRegistry.sol";
import {IFlightDelayProduct} from "../../contracts/interfaces/IFlightDelayProduct.sol";
import {IOracleHub} from "../../contracts/interfaces/IOracleHub.sol";
import {IReinsuranceTreaty} from "../../contracts/interfaces/IReinsuranceTreaty.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {OracleHub} from "../../contracts/oracle/OracleHub.sol";
import {FlightDelayProduct} from "../../contracts/products/FlightDelayProduct.sol";
import {CHEATS} from "./Cheats.sol";

/// @title ParametricSetup
/// @notice The parametric ledger deployed for Solidity tests: a consortium of two founding ADMINs (this contract and
/// a second account) with an insurer, a reinsurer, six clients and four oracles whose private keys the test knows;
/// the evidence registry, a stablecoin, the oracle hub (quorum 3, 6 h freshness, no dispute window, 7 days to
/// resolve), and a capital stack — risk pool, co-signed and collateralised quota share + excess of loss treaty,
/// flight delay product — wired through dual control. Tests that fuzz the treaty deploy a fresh capital stack.
abstract contract ParametricSetup {
    /// @notice What a test chooses for a capital stack: treaty terms and the money behind them.
    /// @param quotaShareBps Share of premiums and losses ceded.
    /// @param cedingCommissionBps Commission on ceded premium.
    /// @param attachment Event retention above which the excess of loss pays.
    /// @param limit Most the excess of loss pays per event.
    /// @param aggregateLimit Most the excess of loss pays over the treaty's life.
    /// @param capital Insurer capital deposited in the pool (nothing deposited when zero).
    /// @param collateral Collateral the reinsurer posts.
    struct CapitalPlan {
        uint16 quotaShareBps;
        uint16 cedingCommissionBps;
        uint256 attachment;
        uint256 limit;
        uint256 aggregateLimit;
        uint256 capital;
        uint256 collateral;
    }

    /// @notice Thrown when a checked condition does not hold.
    error AssertionFailed(string what);

    /// @notice Thrown when a number differs from the expected one.
    error UintMismatch(string what, uint256 actual, uint256 expected);

    /// @notice Thrown when a number exceeds the bound it must stay under.
    error UintAboveBound(string what, uint256 actual, uint256 bound);

    /// @dev One dollar of the six-decimal stablecoin.
    uint256 internal constant USD = 1e6;

    /// @dev Most policies a test writes (one per client).
    uint256 internal constant MAX_POLICIES = 6;
    uint256 internal constant ORACLE_COUNT = 4;

    uint8 internal constant QUORUM = 3;
    uint32 internal constant FRESHNESS_WINDOW = 6 hours;
    uint32 internal constant RESOLUTION_PERIOD = 7 days;

    uint256 internal constant SETTLEMENT_BATCH_SIZE = 50;
    uint32 internal constant DATA_GRACE_PERIOD = 3 days;
    uint64 internal constant DELAY_TOLERANCE_MINUTES = 5;
    uint256 internal constant ACCUMULATION_CAP = 10_000_000 * USD;

    uint256 internal constant CLIENT_FUNDS = 100_000 * USD;

    /// @dev 2026-11-20 06:00 UTC, the morning of the covered flights.
    uint256 internal constant START_TIME = 1_795_154_400;
    uint32 internal constant DEPARTURE_DATE = 20261120;
    string internal constant CARRIER = "BA";

    uint8 internal constant RETENTION_CLASS = 2;
    string internal constant STORAGE_POINTER = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

    address internal constant SECOND_ADMIN = address(uint160(uint256(keccak256("policyledger.test.second-admin"))));

    /// @dev Private keys of the parties that sign (each below the secp256k1 group order, as `CHEATS.addr` checks).
    uint256 internal constant INSURER_KEY = uint256(keccak256("policyledger.test.key.insurer"));
    uint256 internal constant REINSURER_KEY = uint256(keccak256("policyledger.test.key.reinsurer"));

    ConsortiumAccess internal _access;
    EvidenceRegistry internal _registry;
    MockStablecoin internal _stablecoin;
    OracleHub internal _hub;
    RiskPool internal _pool;
    ReinsuranceTreaty internal _treaty;
    FlightDelayProduct internal _flight;

    address internal _insurer;
    address internal _reinsurer;
    address[] internal _clients;
    address[] internal _oracles;

    /// @dev Every account that may hold the stablecoin: parties, and every pool and treaty deployed.
    address[] internal _holders;
    /// @dev Everything minted so far.
    uint256 internal _minted;
    /// @dev Makes each anchored document hash unique.
    uint256 private _documentCount;

    function setUp() public virtual {
        CHEATS.warp(START_TIME);
        _foundConsortium();
        _insurer = _enrol(INSURER_KEY, "insurer", Roles.INSURER);
        _reinsurer = _enrol(REINSURER_KEY, "reinsurer", Roles.REINSURER);
        for (uint256 i = 0; i < MAX_POLICIES; ++i) {
            _clients.push(_enrol(_clientKey(i), string.concat("client-", Strings.toString(i)), Roles.CLIENT));
        }
        for (uint256 i = 0; i < ORACLE_COUNT; ++i) {
            _oracles.push(_enrol(_oracleKey(i), string.concat("oracle-", Strings.toString(i)), Roles.ORACLE));
        }

        _registry = new EvidenceRegistry(_access);
        _stablecoin = new MockStablecoin();
        _hub = new OracleHub(
            _access,
            IOracleHub.Settings({
                quorum: QUORUM,
                freshnessWindow: FRESHNESS_WINDOW,
                disputeWindow: 0,
                resolutionPeriod: RESOLUTION_PERIOD
            })
        );

        _holders.push(_insurer);
        _holders.push(_reinsurer);
        for (uint256 i = 0; i < MAX_POLICIES; ++i) {
            _mint(_clients[i], CLIENT_FUNDS);
            _holders.push(_clients[i]);
        }

        _deployCapital(
            CapitalPlan({
                quotaShareBps: 3_000,
                cedingCommissionBps: 2_000,
                attachment: 2_000 * USD,
                limit: 5_000 * USD,
                aggregateLimit: 8_000 * USD,
                capital: 200_000 * USD,
                collateral: 100_000 * USD
            })
        );
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Deployment
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Deploys a risk pool, a treaty on `plan` (anchored, co-signed by insurer and reinsurer, activated) and a
    /// flight delay product; allows the product on hub and pool and attaches the treaty under dual control; funds the
    /// pool and the collateral; has every client approve the new pool for premiums.
    function _deployCapital(CapitalPlan memory plan) internal {
        _pool = new RiskPool(_access, _insurer, IERC20(address(_stablecoin)), ACCUMULATION_CAP);
        _deployTreaty(plan);
        _flight = new FlightDelayProduct(
            _access,
            _hub,
            _registry,
            _pool,
            SETTLEMENT_BATCH_SIZE,
            DATA_GRACE_PERIOD,
            DELAY_TOLERANCE_MINUTES
        );
        _govern(address(_hub), abi.encodeCall(IOracleHub.setConsumer, (address(_flight), true)));
        // The insurer consents to each contract wired into its pool; dual control then executes.
        CHEATS.startPrank(_insurer);
        _pool.consentToWiring(address(_flight), true);
        _pool.consentToWiring(address(_treaty), true);
        CHEATS.stopPrank();
        _govern(address(_pool), abi.encodeCall(RiskPool.setProduct, (address(_flight), true)));
        _govern(address(_pool), abi.encodeCall(RiskPool.setTreaty, (_treaty)));
        _holders.push(address(_pool));
        _holders.push(address(_treaty));

        if (plan.capital > 0) {
            _mint(_insurer, plan.capital);
            CHEATS.startPrank(_insurer);
            _stablecoin.approve(address(_pool), plan.capital);
            _pool.depositCapital(plan.capital);
            CHEATS.stopPrank();
        }
        _mint(_reinsurer, plan.collateral);
        CHEATS.startPrank(_reinsurer);
        _stablecoin.approve(address(_treaty), plan.collateral);
        _treaty.postCollateral(plan.collateral);
        CHEATS.stopPrank();

        for (uint256 i = 0; i < MAX_POLICIES; ++i) {
            CHEATS.prank(_clients[i]);
            _stablecoin.approve(address(_pool), type(uint256).max);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Policies and observations
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Valid flight terms for `holder` on `flightNumber`, drawn from `entropy`: 1-4 strictly rising tiers with
    /// payouts up to the sum insured (not necessarily rising), cancellation and diversion payouts, a premium up to the
    /// sum insured and any cancellation refund share. The flight leaves six hours from now and lands in twelve; cover runs
    /// from one hour to a day from now.
    function _flightTerms(
        address holder,
        string memory flightNumber,
        uint256 entropy
    ) internal view returns (IFlightDelayProduct.FlightDelayTerms memory terms) {
        uint256 tierCount = 1 + _draw(entropy, "tiers", 4);
        uint256 sumInsured = (1 + _draw(entropy, "sum", 5_000)) * USD - _draw(entropy, "cents", USD);
        terms.delayTierMinutes = new uint16[](tierCount);
        terms.delayTierPayouts = new uint256[](tierCount);
        uint256 minutes_ = 0;
        for (uint256 i = 0; i < tierCount; ++i) {
            minutes_ += 1 + _draw(entropy, abi.encode("minutes", i), 120);
            terms.delayTierMinutes[i] = uint16(minutes_);
            terms.delayTierPayouts[i] = 1 + _draw(entropy, abi.encode("payout", i), sumInsured);
        }
        terms.policyholder = holder;
        terms.carrier = CARRIER;
        terms.flightNumber = flightNumber;
        terms.departureDate = DEPARTURE_DATE;
        terms.scheduledDeparture = uint64(block.timestamp + 6 hours);
        terms.scheduledArrival = uint64(block.timestamp + 12 hours);
        terms.coverageStart = uint64(block.timestamp + 1 hours);
        terms.coverageEnd = uint64(block.timestamp + 1 days);
        terms.cancellationPayout = _draw(entropy, "cancellation", sumInsured + 1);
        terms.diversionPayout = _draw(entropy, "diversion", sumInsured + 1);
        terms.sumInsured = sumInsured;
        terms.premium = _draw(entropy, "premium", sumInsured + 1);
        terms.cancellationRefundBps = uint16(_draw(entropy, "refund", 10_001));
    }

    /// @dev Anchors the policy document of `terms` and has the insurer co-sign it and the client co-sign the terms
    /// themselves, as its wallet displays them (the products require that of the holder).
    function _policyDocument(
        IFlightDelayProduct.FlightDelayTerms memory terms,
        uint256 clientIndex
    ) internal returns (bytes32 documentHash) {
        uint256 clientKey = _clientKey(clientIndex);
        address[] memory requiredSigners;
        (documentHash, requiredSigners) = _anchor(
            _flight.hashTerms(terms),
            IEvidenceRegistry.DocumentType.Policy,
            clientKey
        );
        _coSign(documentHash, requiredSigners, INSURER_KEY);
        _coSignTerms(documentHash, requiredSigners, IEvidenceRegistry.TermsType.FlightDelay, clientKey);
    }

    /// @dev Anchors, co-signs and issues a flight policy for client `clientIndex`.
    function _issue(
        IFlightDelayProduct.FlightDelayTerms memory terms,
        uint256 clientIndex
    ) internal returns (uint256 policyId) {
        bytes32 documentHash = _policyDocument(terms, clientIndex);
        CHEATS.prank(_insurer);
        policyId = _flight.issue(terms, documentHash);
    }

    /// @dev Oracle `oracleIndex` signs and submits an observation of `feedId` made now.
    function _report(uint256 oracleIndex, bytes32 feedId, IOracleHub.ObservationStatus status, int256 value) internal {
        IOracleHub.Observation memory observation = _observation(oracleIndex, feedId, status, value);
        _hub.submitReport(observation, _signObservation(_oracleKey(oracleIndex), observation));
    }

    function _observation(
        uint256 oracleIndex,
        bytes32 feedId,
        IOracleHub.ObservationStatus status,
        int256 value
    ) internal view returns (IOracleHub.Observation memory) {
        return
            IOracleHub.Observation({
                feedId: feedId,
                oracle: _oracles[oracleIndex],
                status: status,
                value: value,
                observedAt: uint64(block.timestamp),
                payloadHash: keccak256(abi.encode("provider payload", feedId, oracleIndex, block.timestamp, value))
            });
    }

    function _signObservation(
        uint256 key,
        IOracleHub.Observation memory observation
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = CHEATS.sign(key, _hub.observationDigest(observation));
        return abi.encodePacked(r, s, v);
    }

    /// @dev The flight's feed id, as the product derives it.
    function _feedOf(string memory flightNumber) internal view returns (bytes32) {
        return _flight.flightFeedId(CARRIER, flightNumber, DEPARTURE_DATE);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariants shared by the tests
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Stablecoin is only ever moved between the known holders: their balances add up to everything minted.
    function _assertFundsConserved(string memory step) internal view {
        uint256 held = 0;
        for (uint256 i = 0; i < _holders.length; ++i) {
            held += _stablecoin.balanceOf(_holders[i]);
        }
        _assertEq(_stablecoin.totalSupply(), _minted, string.concat("total supply is what was minted, ", step));
        _assertEq(held, _minted, string.concat("holders hold everything minted, ", step));
    }

    /// @dev The solvency rule of the risk pool.
    function _assertSolvent(string memory step) internal view {
        _assertAtMost(
            _pool.totalLocked() + _pool.premiumReserve(),
            _pool.assets() + _pool.reinsuranceCapacity(),
            string.concat("locked exposure and premium reserve within assets plus reinsurance capacity, ", step)
        );
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Small helpers
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev This contract proposes (first approval), the second founding ADMIN approves, and this contract executes.
    function _govern(address target, bytes memory data) internal {
        uint256 proposalId = _access.propose(target, data);
        CHEATS.prank(SECOND_ADMIN);
        _access.approve(proposalId);
        _access.execute(proposalId);
    }

    function _mint(address to, uint256 amount) internal {
        _stablecoin.mint(to, amount);
        _minted += amount;
    }

    /// @dev A number in [0, bound) drawn from `entropy` and a label.
    function _draw(uint256 entropy, bytes memory label, uint256 bound) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(entropy, label))) % bound;
    }

    function _assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailed(what);
    }

    function _assertEq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) revert UintMismatch(what, actual, expected);
    }

    function _assertAtMost(uint256 actual, uint256 bound, string memory what) internal pure {
        if (actual > bound) revert UintAboveBound(what, actual, bound);
    }

    /// @dev The private key of client `index`.
    function _clientKey(uint256 index) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("policyledger.test.key.client", index)));
    }

    /// @dev The private key of oracle `index`.
    function _oracleKey(uint256 index) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("policyledger.test.key.oracle", index)));
    }

    /// @dev The consortium, founded by this contract and the second ADMIN.
    function _foundConsortium() private {
        IConsortiumAccess.PartyRegistration[] memory founders = new IConsortiumAccess.PartyRegistration[](2);
        founders[0] = IConsortiumAccess.PartyRegistration({
            account: address(this),
            legalName: "Test Admin One",
            identifier: "5493000TESTADMIN0001",
            encryptionPublicKey: hex"01"
        });
        founders[1] = IConsortiumAccess.PartyRegistration({
            account: SECOND_ADMIN,
            legalName: "Test Admin Two",
            identifier: "5493000TESTADMIN0002",
            encryptionPublicKey: hex"02"
        });
        _access = new ConsortiumAccess(founders);
    }

    /// @dev Registers the party whose private key is `key` and grants it `role` under dual control.
    function _enrol(uint256 key, string memory label, bytes32 role) private returns (address account) {
        account = CHEATS.addr(key);
        _access.registerParty(account, string.concat("Test ", label), string.concat("LEI-", label), hex"04");
        _govern(address(_access), abi.encodeCall(IAccessControl.grantRole, (role, account)));
    }

    /// @dev Deploys the treaty on `plan` for the current pool, anchors its document with the treaty's terms hash,
    /// has insurer and reinsurer co-sign it, and activates the treaty.
    function _deployTreaty(CapitalPlan memory plan) private {
        _treaty = new ReinsuranceTreaty(
            _access,
            _registry,
            IReinsuranceTreaty.TreatyTerms({
                insurer: _insurer,
                reinsurer: _reinsurer,
                pool: address(_pool),
                quotaShareBps: plan.quotaShareBps,
                cedingCommissionBps: plan.cedingCommissionBps,
                excessOfLossAttachment: plan.attachment,
                excessOfLossLimit: plan.limit,
                excessOfLossAggregateLimit: plan.aggregateLimit
            })
        );
        bytes32 treatyDocument = _anchorCoSigned(
            _treaty.termsHash(),
            IEvidenceRegistry.DocumentType.Treaty,
            REINSURER_KEY
        );
        CHEATS.prank(_reinsurer);
        _treaty.activate(treatyDocument);
    }

    /// @dev Anchors a document carrying `termsHash` as the insurer, requiring the insurer and `counterpartyKey`'s
    /// account to co-sign, and submits both co-signatures.
    function _anchorCoSigned(
        bytes32 termsHash,
        IEvidenceRegistry.DocumentType documentType,
        uint256 counterpartyKey
    ) private returns (bytes32 documentHash) {
        address[] memory requiredSigners;
        (documentHash, requiredSigners) = _anchor(termsHash, documentType, counterpartyKey);
        _coSign(documentHash, requiredSigners, INSURER_KEY);
        _coSign(documentHash, requiredSigners, counterpartyKey);
    }

    /// @dev Anchors a document carrying `termsHash` as the insurer, requiring the insurer and `counterpartyKey`'s
    /// account to co-sign.
    function _anchor(
        bytes32 termsHash,
        IEvidenceRegistry.DocumentType documentType,
        uint256 counterpartyKey
    ) private returns (bytes32 documentHash, address[] memory requiredSigners) {
        documentHash = sha256(abi.encode("policyledger.test.document", address(this), ++_documentCount));
        requiredSigners = new address[](2);
        requiredSigners[0] = _insurer;
        requiredSigners[1] = CHEATS.addr(counterpartyKey);
        CHEATS.prank(_insurer);
        _registry.anchor(
            IEvidenceRegistry.AnchorInput({
                documentHash: documentHash,
                termsHash: termsHash,
                documentType: documentType,
                retentionClass: RETENTION_CLASS,
                policyRef: "PL-TEST",
                storagePointer: STORAGE_POINTER,
                requiredSigners: requiredSigners
            })
        );
    }

    function _coSign(bytes32 documentHash, address[] memory requiredSigners, uint256 key) private {
        address signer = CHEATS.addr(key);
        // Nonces are unordered: any unused one will do, and one per document and signer is never reused.
        uint256 nonce = uint256(keccak256(abi.encode(documentHash, signer)));
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = CHEATS.sign(
            key,
            _registry.coSignatureDigest(documentHash, signer, nonce, deadline)
        );
        _registry.cosign(documentHash, requiredSigners, signer, nonce, deadline, abi.encodePacked(r, s, v));
    }

    /// @dev Co-signs `documentHash` with `key` through a message nesting its terms of type `termsType`
    /// (`cosignTerms`), signing the registry's digest of it with the cheatcode.
    function _coSignTerms(
        bytes32 documentHash,
        address[] memory requiredSigners,
        IEvidenceRegistry.TermsType termsType,
        uint256 key
    ) private {
        address signer = CHEATS.addr(key);
        uint256 nonce = uint256(keccak256(abi.encode(documentHash, signer)));
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = CHEATS.sign(
            key,
            _registry.termsCoSignatureDigest(documentHash, termsType, signer, nonce, deadline)
        );
        _registry.cosignTerms(
            documentHash,
            requiredSigners,
            termsType,
            signer,
            nonce,
            deadline,
            abi.encodePacked(r, s, v)
        );
    }
}
