"""Reference data: UPTs, programmes with their competency units, and offerings per UPT."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import CurrentPrincipal
from api.deps import PoolDep
from db import reference as reference_db
from domain.errors import not_found
from domain.reference import Offering, Programme, Upt

router = APIRouter(tags=["reference data"])


@router.get("/upts", response_model=list[Upt])
async def list_upts(_: CurrentPrincipal, pool: PoolDep) -> list[Upt]:
    return await reference_db.list_upts(pool)


@router.get("/upts/{upt_code}/offerings", response_model=list[Offering])
async def list_offerings(upt_code: str, _: CurrentPrincipal, pool: PoolDep) -> list[Offering]:
    if upt_code not in {u.code for u in await reference_db.list_upts(pool)}:
        raise not_found(f"UPT {upt_code} does not exist")
    return await reference_db.list_offerings(pool, upt_code)


@router.get("/programmes", response_model=list[Programme])
async def list_programmes(_: CurrentPrincipal, pool: PoolDep) -> list[Programme]:
    return await reference_db.list_programmes(pool)


@router.get("/programmes/{code}", response_model=Programme)
async def get_programme(code: str, _: CurrentPrincipal, pool: PoolDep) -> Programme:
    programme = await reference_db.get_programme(pool, code)
    if programme is None:
        raise not_found(f"programme {code} does not exist")
    return programme
