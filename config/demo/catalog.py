"""Seeding the demo catalog: organizations, people, labs, instruments and photos."""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cache

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Organization, Region, User
from accounts.validators import credit_code_check_character
from config.demo import data
from config.demo.photos import illustration_caption, instrument_illustration
from instruments import services
from instruments.models import Category, Lab

PASSWORD = "demo-pass-2026"


@dataclass
class Account:
    username: str
    role: str
    organization: str


def demo_accounts() -> list[Account]:
    """The accounts seed_catalog creates, in the order a visitor would try them."""
    accounts = [Account("admin", "platform admin", "—")]
    for code, name_zh, _en, _kind, _region, labs in data.INSTITUTIONS:
        accounts.append(Account(f"{code.lower()}_admin", "organization admin", name_zh))
        accounts.append(
            Account(f"{code.lower()}_manager", "lab manager of " + ", ".join(lab[0] for lab in labs), name_zh)
        )
    accounts.append(Account("seu_researcher", "member (internal user)", "东南大学"))
    accounts += [Account(username, "start-up (organization admin)", name) for _b, name, _r, username, _p in data.FIRMS]
    accounts += [
        Account(username, f"regulator, region {region}", name) for _c, name, _e, region, username in data.REGULATORS
    ]
    return accounts


def seed_catalog(*, rng: random.Random) -> None:
    _user("admin", role=User.Role.PLATFORM_ADMIN, organization=None, name="平台管理员")

    for code, name_zh, name_en, kind, region, labs in data.INSTITUTIONS:
        org = Organization.objects.create(
            code=code, name_zh=name_zh, name_en=name_en, kind=kind, region=Region.objects.get(code=region)
        )
        _user(f"{code.lower()}_admin", role=User.Role.ORG_ADMIN, organization=org, name=f"{name_zh}管理员")
        manager = _user(f"{code.lower()}_manager", role=User.Role.MEMBER, organization=org, name=f"{name_zh}实验室主任")
        for lab_code, lab_zh, lab_en in labs:
            lab = services.lab_create(institution=org, code=lab_code, name_zh=lab_zh, name_en=lab_en)
            lab.managers.add(manager)
            _instruments(lab, rng)
    _user(
        "seu_researcher",
        role=User.Role.MEMBER,
        organization=Organization.objects.get(code="SEU"),
        name="东南大学研究生",
    )

    for body, name_zh, region, username, person in data.FIRMS:
        firm = Organization.objects.create(
            code=body + credit_code_check_character(body),
            name_zh=name_zh,
            kind=Organization.Kind.ENTERPRISE,
            region=Region.objects.get(code=region),
        )
        _user(username, role=User.Role.ORG_ADMIN, organization=firm, name=person)

    for code, name_zh, name_en, region, username in data.REGULATORS:
        agency = Organization.objects.create(
            code=code, name_zh=name_zh, name_en=name_en, kind=Organization.Kind.REGULATOR,
            region=Region.objects.get(code=region),
        )  # fmt: skip
        _user(username, role=User.Role.REGULATOR, organization=agency, name=name_zh)


@cache
def _password_hash() -> str:
    # Hashing is slow on purpose; every demo account shares the password, so hash it once.
    return make_password(PASSWORD)


def _user(username: str, *, role: str, organization: Organization | None, name: str) -> User:
    user = User(username=username, email=f"{username}@demo.instrument-commons.cn", role=role,
                organization=organization, first_name=name)  # fmt: skip
    user.password = _password_hash()
    user.save()
    return user


def _instruments(lab: Lab, rng: random.Random) -> None:
    institution = lab.institution
    for index in data.LAB_HOLDINGS[(institution.code, lab.code)]:
        category, name_zh, name_en, maker, model, country, (low, high), specs, functions = data.INSTRUMENTS[index]
        worth = Decimal(rng.randint(low * 100, high * 100)) * 100  # 万元 with two decimals, in CNY
        instrument = services.instrument_create(
            lab=lab,
            by=None,
            name_zh=name_zh,
            name_en=name_en,
            inner_id=f"{timezone.localdate().year - rng.randint(1, 12)}{rng.randint(10000, 99999)}",
            category=Category.objects.get(code=category),
            manufacturer=maker,
            model=model,
            country=country,
            in_service_date=timezone.localdate() - timedelta(days=rng.randint(200, 4000)),
            original_value=worth,
            technical=specs,
            function=functions,
            subject=rng.choice(["材料科学", "化学", "生物学", "电子科学与技术", "食品科学", "物理学"]),
            service_content=data.SERVICES,
            requirement=data.RULES,
            fee=rng.choice(data.FEES),
            share_mode=rng.choice(["external"] * 6 + ["internal"]),
            status=rng.choice(["normal"] * 12 + ["repair"]),
            address=f"{lab.name_zh} {rng.randint(101, 520)} 室",
            contact=rng.choice(["张老师", "刘老师", "赵工", "孙老师"]),
            phone=f"025-8{rng.randint(1000000, 9999999)}",
            email=f"{lab.code}@{institution.code.lower()}.edu.cn",
        )
        # The maker's name is printed on the drawing only where it is in Latin letters.
        plate = f"{maker} {model}" if maker.isascii() else model
        picture = instrument_illustration(category=category, model=plate, seed=instrument.pk)
        services.instrument_photo_add(
            instrument=instrument, upload=ContentFile(picture, name="illustration.jpg"), by=None,
            caption=illustration_caption(name_zh, name_en),
        )  # fmt: skip
