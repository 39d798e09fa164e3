"""compare_products: the product with the most (or least) of a spec, read from the catalogue."""

from tools.compare import compare_products
from tools.context import ToolContext
from tools.store import Store


async def test_the_most_ram_and_the_least_price(alice: ToolContext, seeded: Store) -> None:
    laptops = await seeded.products.find({"category": "laptops"}).limit(6).to_list()
    skus = [p["sku"] for p in laptops]
    most = await compare_products(alice, skus, "ram_gb")
    assert most["type"] == "product"
    assert most["specs"]["ram_gb"] == max(p["specs"]["ram_gb"] for p in laptops)
    assert most["compared"]["value"] == most["specs"]["ram_gb"]
    assert {v["sku"] for v in most["compared"]["values"]} == set(skus)
    cheapest = await compare_products(alice, [s.lower() for s in skus], "price", most=False)
    assert cheapest["sku"] == min(laptops, key=lambda p: p["price_cents"])["sku"]


async def test_a_monitors_screen_is_its_size(alice: ToolContext, seeded: Store) -> None:
    monitors = await seeded.products.find({"category": "monitors"}).limit(4).to_list()
    biggest = await compare_products(alice, [p["sku"] for p in monitors], "screen_in")
    assert biggest["specs"]["size_in"] == max(p["specs"]["size_in"] for p in monitors)


async def test_nothing_to_compare_is_a_clear_error(alice: ToolContext) -> None:
    assert (await compare_products(alice, ["LAP-00001"], "ram_gb"))["type"] == "error"
    headphones = await compare_products(alice, ["HPH-00001", "HPH-00002"], "ram_gb")
    assert headphones == {"type": "error", "message": "those products do not list ram gb"}
    unknown = await compare_products(alice, ["NOPE-00001", "NOPE-00002"], "ram_gb")
    assert unknown["type"] == "error"
