"""Demo master data: items, three key accounts with DCs, contracts (one expired), and the power
of attorney of the person who reconciles and collects at the first (R28).

The customers' taxpayer numbers are made up for the demo: unified social credit codes of the
right form (an enterprise, the district of the customer's first DC, the customer's own code in
the organisation code, a correct check character)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from service.context import Context
from service.masterdata import attorneys
from service.masterdata import usecases as masterdata
from service.masterdata.schemas import AttorneyIn, ContractIn, CustomerIn, ItemIn

# The demo's customers: the demo's documents are made for them only.
CUSTOMERS = ("HDQ", "BJM", "XNB")

ITEMS = [
    ("KFR-35GW/A1", "壁挂式空调 1.5匹 wall air conditioner", "3999.00"),
    ("BCD-520W", "对开门冰箱 520L side-by-side fridge", "4599.00"),
    ("XQG100-B", "滚筒洗衣机 10kg front-load washer", "2899.00"),
    ("RSJ-60", "电热水器 60L water heater", "1599.00"),
    ("CXW-200", "油烟机 range hood", "2299.00"),
    ("KFR-35GW/A2", "壁挂式空调 1.5匹 新款 wall air conditioner, new model", "4199.00"),
]


def master_data(session: Session, ctx: Context) -> None:
    today = ctx.today
    for code, name, _price in ITEMS:
        masterdata.create_item(session, ctx, data=ItemIn(code=code, name=name))
    masterdata.create_customer(
        session,
        ctx,
        data=CustomerIn(
            code="HDQ",
            name="华东电器连锁 East China Appliance Chain",
            tax_no="91310114MA1HDQ001L",
            branch="上海分部",
            grade="A",
            credit_limit=Decimal("5000000.00"),
            payment_term_days=60,
            settlement_kind="monthly_day",
            settlement_day=25,
            reconciliation_lead_days=5,
            invoice_delivery="settlement_centre",
            settlement_centre_address="上海市嘉定区结算中心 Settlement centre, Jiading, Shanghai",
            discount_mode="on_invoice",
            return_credit_methods=["red_letter", "next_invoice_deduction"],
            warehouses=[
                {"code": "SH-DC01", "name": "上海嘉定配送中心 Jiading DC"},
                {"code": "SZ-DC02", "name": "苏州配送中心 Suzhou DC"},
            ],
        ),
    )
    masterdata.create_customer(
        session,
        ctx,
        data=CustomerIn(
            code="BJM",
            name="北京家电城 Beijing Appliance Mall",
            tax_no="91110115MA1BJM0017",
            branch="北京分部",
            grade="B",
            credit_limit=Decimal("2000000.00"),
            payment_term_days=45,
            settlement_kind="receipt",
            reconciliation_lead_days=3,
            discount_mode="receipt_offset",
            return_credit_methods=["red_letter", "customer_blue_invoice"],
            warehouses=[{"code": "BJ-DC01", "name": "北京大兴配送中心 Daxing DC"}],
        ),
    )
    masterdata.create_customer(
        session,
        ctx,
        data=CustomerIn(
            code="XNB",
            name="西南百货 Southwest Department Stores",
            tax_no="91510104MA1XNB0019",
            branch="成都分部",
            grade="C",
            credit_limit=Decimal("500000.00"),
            # 月结30天: 30 days after the end of the month the goods were received in.
            payment_term_days=30,
            settlement_kind="month_end",
            discount_mode="red_letter",
            warehouses=[{"code": "CD-DC01", "name": "成都配送中心 Chengdu DC"}],
        ),
    )
    prices = [{"item_code": code, "unit_price": price} for code, _name, price in ITEMS]
    masterdata.create_contract(
        session,
        ctx,
        data=ContractIn(
            customer_code="HDQ",
            contract_no="HT-HDQ-2026",
            valid_from=today - timedelta(days=300),
            valid_to=today + timedelta(days=400),
            discount_rate=Decimal("0.03"),
            rebate_terms="年度返利 1% annual rebate",
            prices=prices,
        ),
    )
    masterdata.create_contract(
        session,
        ctx,
        data=ContractIn(
            customer_code="BJM",
            contract_no="HT-BJM-2026",
            valid_from=today - timedelta(days=200),
            valid_to=today + timedelta(days=200),
            prices=prices[:5],
        ),
    )
    # Expired: orders for this customer are refused until the contract is renewed (R27).
    masterdata.create_contract(
        session,
        ctx,
        data=ContractIn(
            customer_code="XNB",
            contract_no="HT-XNB-2025",
            valid_from=today - timedelta(days=400),
            valid_to=today - timedelta(days=30),
            prices=prices[:3],
        ),
    )
    # R28: who reconciles and collects at HDQ, for as long as its contract.
    attorneys.create_attorney(
        session,
        ctx,
        code="HDQ",
        data=AttorneyIn(
            attorney_name="王芳 Wang Fang",
            phone="138 0000 0001",
            scope=["reconcile", "collect"],
        ),
    )
