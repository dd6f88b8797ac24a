"""The national platform's (NRII) record field names and code values, in one place.

Imports read these names; exports (openness) write them.
"""

from instruments.models import Instrument

# NRII field name → Instrument field. `worth` (万元) and the region fields
# (province/city/county) are converted separately.
FIELDS: dict[str, str] = {
    "cname": "name_zh",
    "ename": "name_en",
    "innerId": "inner_id",
    "instrCategory": "category",
    "type": "type",
    "instrVersion": "model",
    "manufacturer": "manufacturer",
    "nation": "country",
    "beginDate": "in_service_date",
    "worth": "original_value",
    "funds": "funds",
    "technical": "technical",
    "function": "function",
    "subject": "subject",
    "serviceContent": "service_content",
    "requirement": "requirement",
    "fee": "fee",
    "serviceUrl": "service_url",
    "shareMode": "share_mode",
    "status": "status",
    "address": "address",
    "contact": "contact",
    "phone": "phone",
    "email": "email",
}
REGION_FIELDS = ("province", "city", "county")
REQUIRED = ("cname", "innerId", "instrCategory", "worth")
# Extra columns this project understands beside the NRII ones.
EXTRA_FIELDS = ("labCode",)

# Accepted spellings of coded values, NRII's Chinese first.
SHARE_MODES: dict[str, str] = {
    "外部共享": Instrument.ShareMode.EXTERNAL,
    "内部共享": Instrument.ShareMode.INTERNAL,
    "不共享": Instrument.ShareMode.NONE,
}
STATUSES: dict[str, str] = {
    "正常": Instrument.Status.NORMAL,
    "故障": Instrument.Status.FAULT,
    "维修": Instrument.Status.REPAIR,
    "维修中": Instrument.Status.REPAIR,
    "报废": Instrument.Status.RETIRED,
}
TYPES: dict[str, str] = {"通用": Instrument.Type.GENERAL, "专用": Instrument.Type.SPECIAL}


def coded(table: dict[str, str], choices: type) -> dict[str, str]:
    """The table plus each choice's own value ("external", …) as accepted spellings."""
    return {**table, **{value: value for value in choices.values}}


SHARE_MODE_VALUES = coded(SHARE_MODES, Instrument.ShareMode)
STATUS_VALUES = coded(STATUSES, Instrument.Status)
TYPE_VALUES = coded(TYPES, Instrument.Type)
