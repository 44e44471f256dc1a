// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RiskPool} from "../../contracts/capital/RiskPool.sol";
import {IRiskPool} from "../../contracts/interfaces/IRiskPool.sol";
import {FreezableStablecoin} from "../../contracts/mocks/FreezableStablecoin.sol";
import {CHEATS} from "../helpers/Cheats.sol";
import {ParametricSetup} from "../helpers/ParametricSetup.sol";

/// @title RiskPoolCreditsTest
/// @notice Fuzzed invariants of credits: in a pool whose stablecoin freezes some holders and traps the gas of others,
/// one settlement batch and the refunds still close every policy; every holder ends up with exactly what it was owed,
/// paid or credited; the stablecoin is conserved; the pool's assets never count a credit; and once collected, the
/// credits reach their holders in full.
/// @dev This contract is the pool's product: it opens, settles and refunds policies directly.
contract RiskPoolCreditsTest is ParametricSetup {
    /// @dev What one fuzzed run does to each client's policy.
    struct Run {
        uint256[] policyIds;
        uint256[] premiums;
        uint256[] maxPayouts;
        uint256[] due;
        uint256 count;
    }

    bytes32 private constant KEY = keccak256("BA196 2026-11-20");
    uint256 private constant CAPITAL = 50_000 * USD;
    uint256 private constant FUNDS = 2_000 * USD;

    FreezableStablecoin private _coin;
    RiskPool private _creditPool;
    uint256 private _coinMinted;

    function setUp() public override {
        super.setUp();
        _coin = new FreezableStablecoin();
        _creditPool = new RiskPool(_access, _insurer, IERC20(address(_coin)), ACCUMULATION_CAP);
        CHEATS.prank(_insurer);
        _creditPool.consentToWiring(address(this), true);
        _govern(address(_creditPool), abi.encodeCall(RiskPool.setProduct, (address(this), true)));
        _mintCoin(_insurer, CAPITAL);
        CHEATS.startPrank(_insurer);
        _coin.approve(address(_creditPool), CAPITAL);
        _creditPool.depositCapital(CAPITAL);
        CHEATS.stopPrank();
        for (uint256 i = 0; i < MAX_POLICIES; ++i) {
            _mintCoin(_clients[i], FUNDS);
            CHEATS.prank(_clients[i]);
            _coin.approve(address(_creditPool), type(uint256).max);
        }
    }

    /// @notice Whatever the stablecoin refuses (frozen holders, gas-burning transfers), the policies all close, each
    /// holder has exactly what it was owed paid or credited, the stablecoin is conserved and the pool's assets leave
    /// the credits out; once collected, every credit reaches its holder or the address it names.
    function testFuzz_fundsAreConservedWithCredits(
        uint256 seed,
        uint8 countChoice,
        uint8 frozenMask,
        uint8 trappedMask,
        uint8 refundMask
    ) public {
        Run memory run = _openPolicies(seed, 1 + (countChoice % MAX_POLICIES));
        for (uint256 i = 0; i < run.count; ++i) {
            if ((frozenMask >> i) & 1 == 1) _coin.setFrozen(_clients[i], true);
            else if ((trappedMask >> i) & 1 == 1) _coin.setGasTrap(_clients[i], true);
        }
        _close(run, seed, refundMask);

        _assertEq(_creditPool.totalLocked(), 0, "every policy's collateral released");
        _assertEq(_creditPool.premiumReserve(), 0, "every premium released from the reserve");
        _assertCoinConserved("after settlement");
        uint256 totalCredits = 0;
        for (uint256 i = 0; i < run.count; ++i) {
            uint256 credit = _creditPool.creditOf(_clients[i]);
            totalCredits += credit;
            _assertEq(
                _coin.balanceOf(_clients[i]) + credit,
                FUNDS - run.premiums[i] + run.due[i],
                "each holder paid or credited what it is owed"
            );
        }
        _assertEq(_creditPool.totalCredits(), totalCredits, "total credits add up");
        _assertEq(
            _creditPool.assets() + totalCredits,
            _coin.balanceOf(address(_creditPool)),
            "credits are not the pool's assets"
        );

        for (uint256 i = 0; i < run.count; ++i) {
            if (_creditPool.creditOf(_clients[i]) == 0) continue;
            _coin.setFrozen(_clients[i], false);
            _coin.setGasTrap(_clients[i], false);
            CHEATS.prank(_clients[i]);
            _creditPool.claimCredit(_clients[i]);
        }
        _assertEq(_creditPool.totalCredits(), 0, "every credit collected");
        _assertCoinConserved("after the credits are collected");
        for (uint256 i = 0; i < run.count; ++i) {
            _assertEq(
                _coin.balanceOf(_clients[i]),
                FUNDS - run.premiums[i] + run.due[i],
                "each holder finally holds what it is owed"
            );
        }
    }

    /// @dev Opens one policy per client for `count` clients, with drawn premiums and maximum payouts.
    function _openPolicies(uint256 seed, uint256 count) private returns (Run memory run) {
        run.count = count;
        run.policyIds = new uint256[](count);
        run.premiums = new uint256[](count);
        run.maxPayouts = new uint256[](count);
        run.due = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 premium = 1 + _draw(seed, abi.encode("premium", i), FUNDS);
            uint256 maxPayout = premium + _draw(seed, abi.encode("maxPayout", i), 5_000 * USD);
            run.premiums[i] = premium;
            run.maxPayouts[i] = maxPayout;
            run.policyIds[i] = _creditPool.openPolicy(_clients[i], _clients[i], KEY, premium, maxPayout);
        }
    }

    /// @dev Refunds the policies `refundMask` names (a drawn part of the premium) and settles the rest in one batch,
    /// each paid a drawn amount up to its maximum payout (zero: it expires untriggered).
    function _close(Run memory run, uint256 seed, uint8 refundMask) private {
        IRiskPool.Settlement[] memory batch = new IRiskPool.Settlement[](run.count);
        uint256 batchLength = 0;
        for (uint256 i = 0; i < run.count; ++i) {
            uint256 maxPayout = run.maxPayouts[i];
            if ((refundMask >> i) & 1 == 1) {
                uint256 refund = _draw(seed, abi.encode("refund", i), run.premiums[i] + 1);
                run.due[i] = refund;
                _creditPool.refund(run.policyIds[i], _clients[i], KEY, refund, maxPayout, run.premiums[i]);
            } else {
                uint256 gross = _draw(seed, abi.encode("gross", i), maxPayout + 1);
                run.due[i] = gross;
                batch[batchLength++] = IRiskPool.Settlement({
                    policyId: run.policyIds[i],
                    holder: _clients[i],
                    gross: gross,
                    locked: maxPayout,
                    premium: run.premiums[i]
                });
            }
        }
        if (batchLength == 0) return;
        assembly ("memory-safe") {
            mstore(batch, batchLength)
        }
        _creditPool.settle(KEY, KEY, batch);
    }

    /// @dev The freezable stablecoin only ever moves between the insurer, the clients and the pool.
    function _assertCoinConserved(string memory step) private view {
        uint256 held = _coin.balanceOf(_insurer) + _coin.balanceOf(address(_creditPool));
        for (uint256 i = 0; i < MAX_POLICIES; ++i) {
            held += _coin.balanceOf(_clients[i]);
        }
        _assertEq(_coin.totalSupply(), _coinMinted, string.concat("total supply is what was minted, ", step));
        _assertEq(held, _coinMinted, string.concat("insurer, clients and pool hold everything minted, ", step));
    }

    function _mintCoin(address to, uint256 amount) private {
        _coin.mint(to, amount);
        _coinMinted += amount;
    }
}
