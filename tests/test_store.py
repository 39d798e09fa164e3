from tools.store import INDEXES, Store


async def test_indexes_exist_after_start(store: Store) -> None:
    await store.ensure_indexes()  # a second run is harmless
    for name, models in INDEXES.items():
        info = await store.db[name].index_information()
        keys = {tuple(v["key"]) for v in info.values()}
        for model in models:
            assert tuple(model.document["key"].items()) in keys
    info = await store.products.index_information()
    assert info["sku_1"]["unique"] is True
    assert (await store.actions.index_information())["key_1"]["unique"] is True


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
