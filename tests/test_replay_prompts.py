"""`omnisales replay --prompts FILE`: a changed prompt set reaches the models, on the wire."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from graph.llm import build_models
from graph.prompts import ROUTER_PROMPT
from graph.session import TurnResult
from replay.prompts import PromptsError, load_prompts
from replay.run import replay
from replay.table import table
from settings import Settings
from tests.fakes import OPENROUTER_URL, Body, Provider, completion, mock_providers, ok
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = f"{OPENROUTER_URL}/chat/completions"

CHANGED = '''
router = """Route this shop's messages, and be brief about it.
Routes: recommendation, inventory, payment, fulfillment, loyalty, post_purchase, proactive_call,
pos_adapter, handoff, general. Memory: {memory}. Before: {previous}."""
system = """You are the TEST shop's assistant. {agent_prompt}
Brief: {brief}. Memory: {memory}. Language: {language}."""

[agents]
general = "Greet in one word."
'''


def _answer(body: Body) -> httpx.Response:
    """The router's structured choice, or an agent's short reply."""
    if body.get("response_format"):
        return ok(completion(json.dumps({"route": "general", "second": None})))
    return ok(completion("Hello!"))


@pytest.mark.slow
async def test_a_replay_with_a_prompt_file_sends_its_prompts_to_the_model(
        seeded: Store, settings: Settings, turn: Say, graph: Any, tmp_path: Path) -> None:
    start = datetime.now(UTC) - timedelta(seconds=5)
    await turn("hmm")  # unsure: a model is asked for the route
    await graph.checkpointer.archive.flush()
    end = datetime.now(UTC) + timedelta(seconds=5)
    path = tmp_path / "shorter.toml"
    path.write_text(CHANGED, encoding="utf-8")
    prompts = load_prompts(path)
    llm = settings.model_copy(update={
        "openrouter_api_key": SecretStr("sk-or-test"), "openrouter_base_url": OPENROUTER_URL,
        "openrouter_model": "openai/gpt-4o-mini", "ollama_base_url": None})
    openrouter = Provider(default=_answer)
    with mock_providers() as router:
        router.post(COMPLETIONS).mock(side_effect=openrouter)
        report = await replay(seeded, llm, start=start, end=end, models=build_models(llm),
                              prompts=prompts, version=f"openrouter with prompts {path.name}")
    routing = next(b for b in openrouter.bodies if b.get("response_format"))
    assert routing["messages"][0] == {"role": "system", "content": prompts.router.format(
        memory="{}", previous="{}")}
    assert routing["messages"][0]["content"] != ROUTER_PROMPT.format(memory="{}", previous="{}")
    agent = next(b for b in openrouter.bodies if not b.get("response_format"))
    system = agent["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You are the TEST shop's assistant. Greet in one word.")
    [conversation] = report["conversations"]
    [said] = conversation["turns"]
    assert said["replay"]["route"] == "general" and said["replay"]["routed_by"] == "llm"
    assert said["replay"]["reply"] == "Hello!"
    assert report["version"] == "openrouter with prompts shorter.toml"
    assert "with prompts shorter.toml" in table(report).splitlines()[0]


@pytest.mark.parametrize(("text", "said"), [
    ('rooter = "x"', "unknown key 'rooter'"),
    ('router = "Route it. {memory}"', "router lacks {previous}, which the original uses"),
    ('router = "Route {memory} {previous} as {json}"', "router has a placeholder other than"),
    ('system = "Hi {agent_prompt} {brief} {memory} {language} {"', "system has a placeholder"),
    ('[agents]\npayments = "Pay."', "no agent is called 'payments'"),
    ('[agents]\npayment = ""', "agents.payment must be a non-empty string"),
    ('router = """unterminated', "is not TOML"),
])
def test_a_bad_prompt_file_says_what_is_wrong(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PromptsError) as raised:
        load_prompts(path)
    assert said in str(raised.value)


def test_a_prompt_file_may_change_one_prompt_only(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[agents]\npayment = "Always offer the cheapest card."\n', encoding="utf-8")
    prompts = load_prompts(path)
    assert prompts.router == ROUTER_PROMPT and dict(prompts.agents) == {
        "payment": "Always offer the cheapest card."}


@pytest.mark.slow
def test_the_command_refuses_a_bad_prompt_file_with_status_2(
        settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('router = "only {memory}"\ntone = "warm"\n', encoding="utf-8")
    assert settings.mongo_uri
    env = {**os.environ, "MONGO_URI": settings.mongo_uri, "DB_NAME": settings.db_name,
           "DATA_DIR": str(settings.data_dir)}
    good = tmp_path / "good.toml"
    good.write_text('[agents]\npayment = "Offer the cheapest card."\n', encoding="utf-8")
    for args, said in ((["--prompts", str(path)], "unknown key 'tone'"),
                       (["--prompts", str(tmp_path / "none.toml")], "no file"),
                       (["--prompts", str(good)], "only a model reads prompts")):
        done = subprocess.run([sys.executable, "cli.py", "replay", "--offline", *args],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
                              check=False)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and said in done.stderr
        assert done.stderr.startswith("omnisales: --prompts: ")
