"""A prompt set to replay with, read from a TOML file (`omnisales replay --prompts FILE`)."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Any

from graph.builder import AGENTS
from graph.prompts import ROUTER_PROMPT, SYSTEM_PROMPT, PromptSet

EXAMPLE = 'router = """..."""  or  [agents] payment = """..."""'


class PromptsError(ValueError):
    """The prompt file cannot be used: unreadable, not TOML, an unknown key, a bad placeholder."""


def placeholders(text: str) -> set[str]:
    """The `{names}` a prompt is formatted with (`{{` and `}}` are literal braces)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# What the product formats each prompt with: a replacement must keep every one of them (the
# model would lose the customer's brief, say) and may use no other (formatting would fail).
FILLED = {"system": placeholders(SYSTEM_PROMPT), "router": placeholders(ROUTER_PROMPT)}


def _checked(key: str, value: Any, filled: set[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PromptsError(f"--prompts: {key} must be a non-empty string")
    try:
        used = placeholders(value)
        value.format(**dict.fromkeys(filled, ""))
    except (ValueError, KeyError, IndexError, AttributeError):
        used = None
    if used is None or used - filled:
        allowed = ", ".join("{" + name + "}" for name in sorted(filled)) or "none"
        raise PromptsError(f"--prompts: {key} has a placeholder other than {allowed} (write a "
                           "literal brace as {{ or }})")
    if missing := filled - used:
        raise PromptsError(f"--prompts: {key} lacks " + ", ".join(
            "{" + name + "}" for name in sorted(missing)) + ", which the original uses")
    return value


def prompt_set(data: dict[str, Any]) -> PromptSet:
    """The prompt set a parsed file describes: `system`, `router`, `[agents]`, any subset."""
    unknown = sorted(set(data) - {*FILLED, "agents"})
    if unknown:
        raise PromptsError(f"--prompts: unknown key {unknown[0]!r}; the keys are system, router "
                           f"and [agents] ({EXAMPLE})")
    agents = data.get("agents", {})
    if not isinstance(agents, dict):
        raise PromptsError("--prompts: agents must be a table: [agents] then name = \"...\"")
    if strange := sorted(set(agents) - set(AGENTS)):
        raise PromptsError(f"--prompts: no agent is called {strange[0]!r}; the agents are "
                           + ", ".join(sorted(AGENTS)))
    # An agent's prompt is put into the system prompt as a value: it is never formatted.
    own = {name: _text(name, text) for name, text in agents.items()}
    return PromptSet(system=_checked("system", data.get("system", SYSTEM_PROMPT),
                                     FILLED["system"]),
                     router=_checked("router", data.get("router", ROUTER_PROMPT),
                                     FILLED["router"]),
                     agents=own)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PromptsError(f"--prompts: agents.{name} must be a non-empty string")
    return value


def load_prompts(path: str | Path) -> PromptSet:
    """Read and check a prompt file; a `PromptsError` saying what is wrong otherwise."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptsError(f"--prompts: no file {str(path)[:200]!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptsError(f"--prompts: cannot read {str(path)[:200]!r}: "
                           f"{type(exc).__name__}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PromptsError(f"--prompts: {Path(path).name} is not TOML: {exc}") from None
    return prompt_set(data)
