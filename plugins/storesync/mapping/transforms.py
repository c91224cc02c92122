"""Registries of the value functions a mapping spec may name: transforms, target types, condition operators.

Each registry maps the name used in YAML to a small description the spec loader validates against and
the engine compiles from. Adding a transform, type or operator means adding one entry here; neither the
loader nor the engine branches on names.

Every function raises ``InvalidValue`` for bad input (the engine turns that into a field error) and never
mutates its input. Text transforms accept ``str`` and, for convenience with JSON sources, integers and
Decimals (ids and ZIP codes often arrive as numbers); anything else is an error, not a silent ``str()``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from storesync.errors import InvalidValue, kind_of
from storesync.money import parse_money, to_decimal

Converter = Callable[[Any], Any]


def as_text(value: Any, what: str) -> str:
    """``value`` as text: strings as they are, integers and Decimals printed; anything else refused."""
    kind = value.__class__
    if kind is str:
        return value
    if kind is int or kind is Decimal:
        try:
            return str(value)
        except ValueError:  # ints beyond Python's str-conversion digit limit
            raise InvalidValue(what, value, "number too long to use as text") from None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    raise InvalidValue(what, value, f"expected text, got {kind_of(value)}")


# --------------------------------------------------------------------------------------------------
# Transforms


@dataclass(frozen=True)
class TransformDef:
    """A named transform; ``argument`` is the type of its single argument, or None when it takes none."""

    factory: Callable[..., Converter]
    argument: type | None
    summary: str


def _strip() -> Converter:
    return lambda value: as_text(value, "strip").strip()


def _upper() -> Converter:
    return lambda value: as_text(value, "upper").upper()


def _lower() -> Converter:
    return lambda value: as_text(value, "lower").lower()


def _normalize_sku() -> Converter:
    def normalize_sku(value: Any) -> str:
        return "-".join(as_text(value, "normalize_sku").upper().split())

    return normalize_sku


def _normalize_postal_code() -> Converter:
    def normalize_postal_code(value: Any) -> str:
        return " ".join(as_text(value, "normalize_postal_code").upper().split())

    return normalize_postal_code


def _country_alpha2() -> Converter:
    def country_alpha2(value: Any) -> str:
        text = as_text(value, "country_alpha2")
        code = text.strip().upper()
        if len(code) == 2 and code in ISO_ALPHA2:
            return code
        found = _COUNTRY_ALIASES.get(_alias_key(text))
        if found is None:
            raise InvalidValue(
                "country_alpha2", value, "unknown country; use an ISO 3166 alpha-2 code, alpha-3 or English name"
            )
        return found

    return country_alpha2


def _country_alpha3() -> Converter:
    to_alpha2 = _country_alpha2()

    def country_alpha3(value: Any) -> str:
        return ISO_ALPHA3[to_alpha2(value)]

    return country_alpha3


def _unix_to_datetime() -> Converter:
    def unix_to_datetime(value: Any) -> datetime:
        kind = value.__class__
        if kind is int:
            seconds: int | float = value
        elif kind is str and value.strip().lstrip("-").isdigit():
            seconds = int(value)
        elif kind is Decimal or kind is float:
            seconds = float(to_decimal(value, field="unix_to_datetime"))
        else:
            raise InvalidValue("unix_to_datetime", value, "not a unix timestamp (seconds)")
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidValue("unix_to_datetime", value, "unix timestamp out of range") from None

    return unix_to_datetime


def _datetime_to_date() -> Converter:
    return lambda value: _to_date(value, "datetime_to_date")


def _left(length: int) -> Converter:
    return lambda value: as_text(value, "left")[:length]


def _zero_pad(width: int) -> Converter:
    return lambda value: as_text(value, "zero_pad").zfill(width)


def _prefix(text: str) -> Converter:
    return lambda value: text + as_text(value, "prefix")


TRANSFORMS: dict[str, TransformDef] = {
    "strip": TransformDef(_strip, None, "remove surrounding whitespace"),
    "upper": TransformDef(_upper, None, "upper-case"),
    "lower": TransformDef(_lower, None, "lower-case"),
    "normalize_sku": TransformDef(_normalize_sku, None, "trim, upper-case, inner whitespace runs to '-'"),
    "normalize_postal_code": TransformDef(_normalize_postal_code, None, "trim, upper-case, single spaces"),
    "country_alpha2": TransformDef(_country_alpha2, None, "ISO alpha-2 from alpha-2/alpha-3/common names"),
    # ERPs that key countries by ISO alpha-3 (Sage 500's tsmCountry ships "USA", "CAN", …).
    "country_alpha3": TransformDef(_country_alpha3, None, "ISO alpha-3 from alpha-2/alpha-3/common names"),
    "unix_to_datetime": TransformDef(_unix_to_datetime, None, "unix seconds to UTC datetime"),
    "datetime_to_date": TransformDef(_datetime_to_date, None, "datetime (or ISO text) to its UTC date"),
    "left": TransformDef(_left, int, "first n characters (for display fields only)"),
    "zero_pad": TransformDef(_zero_pad, int, "pad with leading zeros to n characters"),
    "prefix": TransformDef(_prefix, str, "prepend fixed text"),
}


# --------------------------------------------------------------------------------------------------
# Target types


def _to_str(value: Any) -> str:
    return as_text(value, "str")


def _to_int(value: Any) -> int:
    kind = value.__class__
    if kind is int:
        return value
    if kind is str:
        text = value.strip()
        if text and "_" not in text:
            try:
                return int(text)
            except ValueError:
                pass
        raise InvalidValue("int", value, "not a whole number")
    if kind is Decimal or kind is float:
        number = to_decimal(value, field="int")
        if number == number.to_integral_value():
            return int(number)
        raise InvalidValue("int", value, "not a whole number")
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise InvalidValue("int", value, f"expected a whole number, got {kind_of(value)}")


def _to_decimal(value: Any) -> Decimal:
    return to_decimal(value, field="decimal")


def _to_money(value: Any) -> Decimal:
    return parse_money(value, field="money")


def _to_date(value: Any, what: str = "date") -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.tzinfo is not UTC and value.utcoffset() is not None:
            value = value.astimezone(UTC)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidValue(what, value, "not an ISO-8601 date (YYYY-MM-DD)") from None
        return _to_date(parsed, what)
    raise InvalidValue(what, value, f"expected a date, got {kind_of(value)}")


def _to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is UTC:
            return value
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidValue("datetime", value, "timestamp has no time zone")
        return value.astimezone(UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidValue("datetime", value, "not an ISO-8601 timestamp") from None
        return _to_datetime(parsed)
    raise InvalidValue("datetime", value, f"expected a timestamp, got {kind_of(value)}")


_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


def _to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    if value.__class__ is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise InvalidValue("bool", value, "expected true/false, yes/no or 1/0")


TYPES: dict[str, Converter] = {
    "str": _to_str,
    "int": _to_int,
    "decimal": _to_decimal,
    "money": _to_money,
    "date": _to_date,
    "datetime": _to_datetime,
    "bool": _to_bool,
}
TEXT_TYPES = frozenset({"str"})


# --------------------------------------------------------------------------------------------------
# Condition operators (for `when`)


@dataclass(frozen=True)
class OperatorDef:
    """``test(left, right)``; ``operand`` says what the spec's ``value`` must be: number, any, list or none."""

    test: Callable[[Any, Any], bool]
    operand: str


def _numeric(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def test(left: Any, right: Any) -> bool:
        if left is None or (left.__class__ is str and not left.strip()):
            return False  # absent values are never above or below a threshold
        return compare(to_decimal(left, field="condition"), to_decimal(right, field="condition value"))

    return test


def loosely_equal(left: Any, right: Any) -> bool:
    """Equality that treats ``"1"``, ``1`` and ``Decimal("1.0")`` alike (sources disagree on number types)."""
    if left is True or left is False or right is True or right is False:
        return left is right
    if left == right:
        return True
    numbers = (int, Decimal, float)
    if isinstance(left, str) and isinstance(right, numbers) or isinstance(right, str) and isinstance(left, numbers):
        try:
            return to_decimal(left, field="condition") == to_decimal(right, field="condition")
        except InvalidValue:
            return False
    return False


def _is_empty(left: Any, _right: Any) -> bool:
    if left is None:
        return True
    if isinstance(left, str):
        return not left.strip()
    if isinstance(left, list | dict):
        return not left
    return False


OPERATORS: dict[str, OperatorDef] = {
    "gt": OperatorDef(_numeric(operator.gt), "number"),
    "ge": OperatorDef(_numeric(operator.ge), "number"),
    "lt": OperatorDef(_numeric(operator.lt), "number"),
    "le": OperatorDef(_numeric(operator.le), "number"),
    "eq": OperatorDef(loosely_equal, "any"),
    "ne": OperatorDef(lambda left, right: not loosely_equal(left, right), "any"),
    "in": OperatorDef(lambda left, right: any(loosely_equal(left, item) for item in right), "list"),
    "empty": OperatorDef(_is_empty, "none"),
}


# --------------------------------------------------------------------------------------------------
# Country data: every ISO 3166-1 alpha-2 code, plus alpha-3 codes and English names for common cases.

ISO_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

# Every ISO 3166-1 alpha-2 code with its current alpha-3 code.
ISO_ALPHA3 = dict(pair.split(":") for pair in """
    AD:AND AE:ARE AF:AFG AG:ATG AI:AIA AL:ALB AM:ARM AO:AGO AQ:ATA AR:ARG AS:ASM AT:AUT AU:AUS AW:ABW
    AX:ALA AZ:AZE BA:BIH BB:BRB BD:BGD BE:BEL BF:BFA BG:BGR BH:BHR BI:BDI BJ:BEN BL:BLM BM:BMU BN:BRN
    BO:BOL BQ:BES BR:BRA BS:BHS BT:BTN BV:BVT BW:BWA BY:BLR BZ:BLZ CA:CAN CC:CCK CD:COD CF:CAF CG:COG
    CH:CHE CI:CIV CK:COK CL:CHL CM:CMR CN:CHN CO:COL CR:CRI CU:CUB CV:CPV CW:CUW CX:CXR CY:CYP CZ:CZE
    DE:DEU DJ:DJI DK:DNK DM:DMA DO:DOM DZ:DZA EC:ECU EE:EST EG:EGY EH:ESH ER:ERI ES:ESP ET:ETH FI:FIN
    FJ:FJI FK:FLK FM:FSM FO:FRO FR:FRA GA:GAB GB:GBR GD:GRD GE:GEO GF:GUF GG:GGY GH:GHA GI:GIB GL:GRL
    GM:GMB GN:GIN GP:GLP GQ:GNQ GR:GRC GS:SGS GT:GTM GU:GUM GW:GNB GY:GUY HK:HKG HM:HMD HN:HND HR:HRV
    HT:HTI HU:HUN ID:IDN IE:IRL IL:ISR IM:IMN IN:IND IO:IOT IQ:IRQ IR:IRN IS:ISL IT:ITA JE:JEY JM:JAM
    JO:JOR JP:JPN KE:KEN KG:KGZ KH:KHM KI:KIR KM:COM KN:KNA KP:PRK KR:KOR KW:KWT KY:CYM KZ:KAZ LA:LAO
    LB:LBN LC:LCA LI:LIE LK:LKA LR:LBR LS:LSO LT:LTU LU:LUX LV:LVA LY:LBY MA:MAR MC:MCO MD:MDA ME:MNE
    MF:MAF MG:MDG MH:MHL MK:MKD ML:MLI MM:MMR MN:MNG MO:MAC MP:MNP MQ:MTQ MR:MRT MS:MSR MT:MLT MU:MUS
    MV:MDV MW:MWI MX:MEX MY:MYS MZ:MOZ NA:NAM NC:NCL NE:NER NF:NFK NG:NGA NI:NIC NL:NLD NO:NOR NP:NPL
    NR:NRU NU:NIU NZ:NZL OM:OMN PA:PAN PE:PER PF:PYF PG:PNG PH:PHL PK:PAK PL:POL PM:SPM PN:PCN PR:PRI
    PS:PSE PT:PRT PW:PLW PY:PRY QA:QAT RE:REU RO:ROU RS:SRB RU:RUS RW:RWA SA:SAU SB:SLB SC:SYC SD:SDN
    SE:SWE SG:SGP SH:SHN SI:SVN SJ:SJM SK:SVK SL:SLE SM:SMR SN:SEN SO:SOM SR:SUR SS:SSD ST:STP SV:SLV
    SX:SXM SY:SYR SZ:SWZ TC:TCA TD:TCD TF:ATF TG:TGO TH:THA TJ:TJK TK:TKL TL:TLS TM:TKM TN:TUN TO:TON
    TR:TUR TT:TTO TV:TUV TW:TWN TZ:TZA UA:UKR UG:UGA UM:UMI US:USA UY:URY UZ:UZB VA:VAT VC:VCT VE:VEN
    VG:VGB VI:VIR VN:VNM VU:VUT WF:WLF WS:WSM YE:YEM YT:MYT ZA:ZAF ZM:ZMB ZW:ZWE
""".split())
_ALPHA3_TO_ALPHA2 = {alpha3: alpha2 for alpha2, alpha3 in ISO_ALPHA3.items()}

# alpha-2: alpha-3, then English names and common aliases (separated by "|").
_COUNTRIES = {
    "US": "USA|United States|United States of America|America|U.S.|U.S.A.",
    "CA": "CAN|Canada",
    "MX": "MEX|Mexico|México",
    "GB": "GBR|United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|Northern Ireland",
    "IE": "IRL|Ireland",
    "FR": "FRA|France",
    "DE": "DEU|Germany|Deutschland",
    "ES": "ESP|Spain|España",
    "IT": "ITA|Italy|Italia",
    "PT": "PRT|Portugal",
    "NL": "NLD|Netherlands|The Netherlands|Holland",
    "BE": "BEL|Belgium",
    "LU": "LUX|Luxembourg",
    "CH": "CHE|Switzerland",
    "AT": "AUT|Austria",
    "DK": "DNK|Denmark",
    "SE": "SWE|Sweden",
    "NO": "NOR|Norway",
    "FI": "FIN|Finland",
    "IS": "ISL|Iceland",
    "PL": "POL|Poland",
    "CZ": "CZE|Czechia|Czech Republic",
    "SK": "SVK|Slovakia",
    "HU": "HUN|Hungary",
    "RO": "ROU|Romania",
    "BG": "BGR|Bulgaria",
    "GR": "GRC|Greece",
    "HR": "HRV|Croatia",
    "SI": "SVN|Slovenia",
    "EE": "EST|Estonia",
    "LV": "LVA|Latvia",
    "LT": "LTU|Lithuania",
    "UA": "UKR|Ukraine",
    "TR": "TUR|Turkey|Türkiye",
    "RU": "RUS|Russia|Russian Federation",
    "IL": "ISR|Israel",
    "AE": "ARE|United Arab Emirates|UAE",
    "SA": "SAU|Saudi Arabia",
    "IN": "IND|India",
    "CN": "CHN|China",
    "JP": "JPN|Japan",
    "KR": "KOR|South Korea|Korea|Republic of Korea",
    "TW": "TWN|Taiwan",
    "HK": "HKG|Hong Kong",
    "SG": "SGP|Singapore",
    "MY": "MYS|Malaysia",
    "TH": "THA|Thailand",
    "VN": "VNM|Vietnam|Viet Nam",
    "PH": "PHL|Philippines",
    "ID": "IDN|Indonesia",
    "AU": "AUS|Australia",
    "NZ": "NZL|New Zealand",
    "ZA": "ZAF|South Africa",
    "NG": "NGA|Nigeria",
    "KE": "KEN|Kenya",
    "EG": "EGY|Egypt",
    "MA": "MAR|Morocco",
    "BR": "BRA|Brazil|Brasil",
    "AR": "ARG|Argentina",
    "CL": "CHL|Chile",
    "CO": "COL|Colombia",
    "PE": "PER|Peru",
    "PR": "PRI|Puerto Rico",
}


def _alias_key(text: str) -> str:
    return " ".join(text.replace(".", " ").casefold().split())


_COUNTRY_ALIASES = {
    **{_alias_key(alpha3): alpha2 for alpha3, alpha2 in _ALPHA3_TO_ALPHA2.items()},
    **{_alias_key(alias): alpha2 for alpha2, aliases in _COUNTRIES.items() for alias in aliases.split("|")},
}
