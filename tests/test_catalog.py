from tests.conftest import Commands
from tools.cart import add_to_cart, view_cart
from tools.catalog import check_stock, get_product_details, recommend_products
from tools.context import Services, ToolContext


async def test_recommends_coding_laptops_under_budget_with_reasons(alice: ToolContext) -> None:
    result = await recommend_products(alice, query="laptop for coding", budget=1000,
                                      use_case="coding")
    assert result["type"] == "product_list"
    products = result["products"]
    assert len(products) == 5
    assert all(p["price"] <= 1000 and p["category"] == "laptops" for p in products)
    assert "coding" in products[0]["tags"]
    assert products[0]["reasons"]
    assert {"sku", "name", "price", "currency"} <= set(products[0])


async def test_recommend_rejects_bad_input(alice: ToolContext) -> None:
    assert (await recommend_products(alice, query=""))["type"] == "error"
    assert (await recommend_products(alice, query="laptop", budget=-5))["type"] == "error"
    assert (await recommend_products(alice, category="spaceships"))["type"] == "error"


async def test_check_stock_per_store(alice: ToolContext) -> None:
    result = await check_stock(alice, "lap-00001")
    assert result["type"] == "stock" and result["sku"] == "LAP-00001"
    assert len(result["stores"]) == 3
    row = await alice.store.stock.find_one({"sku": "LAP-00001", "store_id": "store-mall"})
    assert row is not None
    mall = next(s for s in result["stores"] if s["store_id"] == "store-mall")
    assert mall["quantity"] == row["quantity"]
    assert [s["store_id"] for s in result["stores"]] == sorted(s["store_id"]
                                                              for s in result["stores"])
    assert result["total"] == sum(s["quantity"] for s in result["stores"])
    assert (await check_stock(alice, "NOPE-1"))["message"] == "product NOPE-1 not found"


async def test_check_stock_in_one_store(alice: ToolContext) -> None:
    await alice.store.stock.update_one({"sku": "LAP-00002", "store_id": "store-airport"},
                                       {"$set": {"quantity": 0}})
    result = await check_stock(alice, "LAP-00002", "store-airport")
    assert result["stores"] == [{"store_id": "store-airport", "store": result["stores"][0]["store"],
                                 "quantity": 0}]
    assert result["in_stock"] is False and result["total"] == 0
    assert (await check_stock(alice, "LAP-00002", "store-moon"))["type"] == "error"


async def test_product_details(alice: ToolContext) -> None:
    result = await get_product_details(alice, "MON-00001")
    assert result["type"] == "product" and result["warranty_months"] == 36
    assert isinstance(result["price"], float) and result["currency"] == "USD"


async def test_add_to_cart_prices_from_catalogue(alice: ToolContext) -> None:
    before = await view_cart(alice)
    result = await add_to_cart(alice, "LAP-00002", 2)
    product = await alice.store.products.find_one({"sku": "LAP-00002"})
    assert product is not None
    assert result["total"] == round(before["total"] + 2 * product["price_cents"] / 100, 2)
    assert (await add_to_cart(alice, "LAP-00002", -1))["type"] == "error"
    assert (await add_to_cart(alice, "LAP-00002", 0))["type"] == "error"
    stored = await alice.store.carts.find_one({"_id": "demo-alice"})
    assert stored is not None
    assert next(i for i in stored["items"] if i["sku"] == "LAP-00002")["quantity"] == 2


async def test_search_skips_a_category_and_tag_that_no_product_has(
        watched: tuple[Services, Commands]) -> None:
    services, commands = watched
    products = services.store.products
    assert await products.count_documents({"category": "cameras", "tags": "camera"}) == 0
    ctx = ToolContext(services=services, customer_id="demo-alice")
    result = await recommend_products(ctx, query="camera for vlogging", budget=800)
    assert len(result["products"]) == 5
    assert all(p["category"] == "cameras" and p["price"] <= 800 for p in result["products"])
    finds = [c for c in commands.sent if c.get("find") == "products"]
    assert finds and not any("tags" in c["filter"] for c in finds)  # only cameras, by price
    assert sum(c.get("find") == "catalog_stats" for c in commands.sent) == 1


async def test_search_without_recorded_figures_still_finds(alice: ToolContext) -> None:
    await alice.store.db["catalog_stats"].drop()  # a catalogue loaded without its figures
    result = await recommend_products(alice, query="camera for vlogging", budget=800)
    assert len(result["products"]) == 5
    assert all(p["category"] == "cameras" and p["price"] <= 800 for p in result["products"])


async def test_search_weighs_the_categories_a_customer_bought(
        watched: tuple[Services, Commands]) -> None:
    services, commands = watched
    ctx = ToolContext(services=services, customer_id="new-customer")  # no preferences on file

    async def interest() -> set[str]:
        result = await recommend_products(ctx, query="portable speaker", budget=300)
        return {r for p in result["products"] for r in p["reasons"] if "interest" in r}

    assert await interest() == set()
    line = {"sku": "SPK-00001", "name": "a speaker", "quantity": 1, "unit_price_cents": 9900}
    # An order written before order lines carried their category: the catalogue tells it.
    await services.store.orders.insert_one({"order_id": "ORD-9001", "customer_id": "new-customer",
                                            "items": [line]})
    assert await interest() == {"you have shown interest in speakers"}
    assert any(c.get("distinct") == "products" for c in commands.sent)
    # A line that carries its category is read as it is, with no lookup in the catalogue.
    await services.store.orders.update_one({"order_id": "ORD-9001"},
                                           {"$set": {"items.0.category": "speakers"}})
    commands.sent.clear()
    assert await interest() == {"you have shown interest in speakers"}
    reads = [c for c in commands.sent if c.get("find") != "products"]
    assert sorted(next(iter(c)) for c in reads) == ["aggregate", "find"]  # history, figures

