from datetime import date, timedelta
from decimal import Decimal

import pytest

from governance.models import DataContract, Dataset, Monitor, Warehouse
from governance.stack.models import Contract, Flow, Tool


@pytest.fixture
def data_contract(db):
    warehouse = Warehouse.objects.create(name="Stack test warehouse")
    dataset = Dataset.objects.create(warehouse=warehouse, schema="crm", table="contacts")
    return DataContract.objects.create(dataset=dataset, spec={"schema": "crm", "table": "contacts"})


@pytest.fixture
def stack(users, data_contract):
    """Two approved tools, a tolerated one, flows between them (one watched by a monitor
    that is down) and a contract."""
    crm = Tool.objects.create(
        name="Salesforce",
        layer="crm",
        status="approved",
        owner=users["admin"],
        sso=True,
        holds_personal_data=True,
        data_contract=data_contract,
    )
    mapt = Tool.objects.create(
        name="Marketo", layer="map", status="approved", owner=users["engineer"], sso=True
    )
    point = Tool.objects.create(name="Webinar Buddy", layer="map", status="tolerated")
    down = Monitor.objects.create(name="CRM sync", status="down")
    synced = Flow.objects.create(
        source=crm,
        target=mapt,
        objects_synced="leads",
        pattern="native",
        monitor=down,
        data_contract=data_contract,
    )
    custom = Flow.objects.create(
        source=point, target=mapt, objects_synced="registrants", pattern="custom"
    )
    contract = Contract.objects.create(
        tool=mapt,
        vendor="Adobe",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 1, 1),
        annual_cost=Decimal("95000"),
        seats_bought=25,
        notice_days=60,
    )
    return {
        "crm": crm,
        "map": mapt,
        "point": point,
        "monitor": down,
        "synced": synced,
        "custom": custom,
        "contract": contract,
    }


def later(days: int) -> date:
    return date(2026, 6, 1) + timedelta(days=days)
