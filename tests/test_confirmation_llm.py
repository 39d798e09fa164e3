"""M4 with a model: it sees the pending terms, changes the cart, and the server renews the terms."""

from tests import test_graph_llm as llm
from tests.test_graph_llm import Fakes, Say, calls, says
from tools.store import Store

# The model-backed graph's fixtures, shared with the LLM tests.
fakes, llm_settings, llm_graph, say = llm.fakes, llm.llm_settings, llm.llm_graph, llm.say


async def test_a_model_removing_an_item_gets_new_terms_and_the_yes_pays_them(
        say: Say, fakes: Fakes, seeded: Store) -> None:
    fakes.openrouter.script = [calls(("process_payment", {})), says("Shall I?"),
                               calls(("remove_from_cart", {"sku": "ACC-00002"})),
                               says("Done, I removed the chargers and you paid. Thanks!")]
    first = (await say("pay for my cart"))["actions"][0]
    changed = await say("remove the chargers first")
    agent_body = fakes.openrouter.agent_bodies[-2]
    assert "NOT confirmed" in agent_body["messages"][0]["content"]
    assert f"${first['total']:,.2f}" in agent_body["messages"][0]["content"]  # terms in view
    terms = next(a for a in changed["actions"] if a["type"] == "payment_confirmation")
    assert terms["confirmation_id"] != first["confirmation_id"]
    assert [i["sku"] for i in terms["items"]] == ["KEY-00001"]
    # The server's words, never the model's claim that it was paid.
    assert "you paid" not in changed["reply"] and f"${terms['total']:,.2f}" in changed["reply"]
    assert await seeded.db["gateway_charges"].count_documents({}) == 0
    await say("yes")
    charged = await seeded.db["gateway_charges"].find({}).to_list()
    assert [c["amount_cents"] for c in charged] == [round(terms["total"] * 100)]


async def test_a_question_answered_by_a_model_keeps_the_terms_in_the_servers_words(
        say: Say, fakes: Fakes, seeded: Store) -> None:
    fakes.openrouter.script = [calls(("process_payment", {})), says("Shall I?"),
                               says("Payment complete! It was only $1.")]
    await say("pay for my cart")
    answered = await say("which card will you use?")
    assert answered["awaiting_confirmation"] and "Payment complete" not in answered["reply"]
    assert "ending 4242" in answered["reply"] and "yes or no" in answered["reply"]
    assert await seeded.db["gateway_charges"].count_documents({}) == 0
