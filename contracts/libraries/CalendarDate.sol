// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CalendarDate
/// @notice Calendar dates written as yyyymmdd integers (e.g. 20261120), the way feeds and terms name days in UTC,
/// and their conversion to day numbers (days since 1970-01-01) for counting days.
library CalendarDate {
    uint256 private constant SECONDS_PER_DAY = 86_400;
    /// @dev Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
    uint256 private constant EPOCH_OFFSET = 719_468;
    uint256 private constant DAYS_PER_ERA = 146_097;

    /// @notice Whether `date` is a real day between 1970-01-01 and 9999-12-31.
    function isValid(uint32 date) internal pure returns (bool) {
        uint256 year = date / 10_000;
        uint256 month = (date / 100) % 100;
        uint256 day = date % 100;
        if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
        return day <= daysInMonth(year, month);
    }

    /// @notice Days in `month` of `year`.
    function daysInMonth(uint256 year, uint256 month) internal pure returns (uint256) {
        if (month == 2) return isLeapYear(year) ? 29 : 28;
        if (month == 4 || month == 6 || month == 9 || month == 11) return 30;
        return 31;
    }

    /// @notice Whether `year` is a leap year.
    function isLeapYear(uint256 year) internal pure returns (bool) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }

    /// @notice Days since 1970-01-01 of a valid yyyymmdd date.
    function toDayNumber(uint32 date) internal pure returns (uint256) {
        uint256 year = date / 10_000;
        uint256 month = (date / 100) % 100;
        uint256 day = date % 100;
        // Count years from March, so that the leap day falls at the end of the counted year.
        if (month <= 2) year -= 1;
        uint256 era = year / 400;
        uint256 yearOfEra = year - era * 400;
        uint256 monthFromMarch = month > 2 ? month - 3 : month + 9;
        uint256 dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1;
        uint256 dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * DAYS_PER_ERA + dayOfEra - EPOCH_OFFSET;
    }

    /// @notice The yyyymmdd date of a day number.
    function fromDayNumber(uint256 dayNumber) internal pure returns (uint32) {
        uint256 shifted = dayNumber + EPOCH_OFFSET;
        uint256 era = shifted / DAYS_PER_ERA;
        uint256 dayOfEra = shifted - era * DAYS_PER_ERA;
        uint256 yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        uint256 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        uint256 monthFromMarch = (5 * dayOfYear + 2) / 153;
        uint256 day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1;
        uint256 month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
        uint256 year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        return uint32(year * 10_000 + month * 100 + day);
    }

    /// @notice Unix time of 00:00 UTC on a valid yyyymmdd date.
    function startOf(uint32 date) internal pure returns (uint256) {
        return toDayNumber(date) * SECONDS_PER_DAY;
    }
}
