from tools.store import INDEXES, Store


async def test_indexes_exist_after_start(store: Store) -> None:
    await store.ensure_indexes()  # a second run is harmless
    for name, models in INDEXES.items():
        info = await store.db[name].index_information()
        keys = {tuple(v["key"]) for v in info.values()}
        for model in models:
            assert tuple(model.document["key"].items()) in keys
    assert (await store.actions.index_information())["key_1"]["unique"] is True


async def test_a_catalogue_seeded_before_products_were_keyed_by_sku_is_rekeyed_once(
        seeded: Store) -> None:
    from bson import ObjectId
    from pymongo import ASCENDING, IndexModel

    # The catalogue as an earlier version wrote it: ObjectId keys, a unique index on `sku`.
    products = await seeded.products.find({}).to_list()
    await seeded.products.delete_many({})
    await seeded.products.create_indexes([IndexModel([("sku", ASCENDING)], unique=True)])
    await seeded.products.insert_many([p | {"_id": ObjectId()} for p in products])
    # A run that stopped part of the way: one product already has its copy keyed by SKU.
    await seeded.products.delete_one({"sku": products[0]["sku"]})
    await seeded.products.drop_index("sku_1")
    await seeded.products.insert_one(products[0])

    await seeded.ensure_indexes()  # as every start does

    after = await seeded.products.find({}).sort("sku", ASCENDING).to_list()
    assert [p["_id"] for p in after] == sorted(p["sku"] for p in products)
    assert after == sorted(products, key=lambda p: p["sku"])  # nothing else changed
    assert "sku_1" not in await seeded.products.index_information()
    assert await seeded.rekey_products() == 0  # nothing left to do


async def test_seed_loads_the_demo_shop_once(seeded: Store) -> None:
    from tools.seed import seed

    assert await seeded.products.count_documents({}) >= 200
    assert len(await seeded.products.distinct("category")) >= 8
    alice = await seeded.customers.find_one({"_id": "demo-alice"})
    assert alice is not None and alice["phone"] == "+15550000001"
    orders = {o["order_id"]: o async for o in seeded.orders.find({})}
    assert orders["ORD-1002"]["status"] == "shipped" and orders["ORD-1002"]["tracking"]
    assert orders["ORD-1003"]["customer_id"] == "demo-bob"
    coding = await seeded.products.count_documents(
        {"category": "laptops", "tags": "coding", "price_cents": {"$lt": 100000}})
    assert coding >= 3
    again = await seed(seeded)
    assert sum(again.values()) == 0
    assert await seeded.orders.count_documents({}) == 4
