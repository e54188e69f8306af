"""Imports run one way between the rooms of `reminders/` (docs/design.md#the-rooms-of-reminders):
workspace → conversation → outbox → doses → models, each room importing only itself and the
rooms below it; `reminders.clocks`, `reminders.phones` and `reminders.templating` are leaves every
room may use; nothing imports the admin; `webhooks/` reaches PRIMA through the conversation (replies) and the
outbox's provider events and devices (statuses, device states), never the workspace or the doses."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEAVES = {"reminders.clocks", "reminders.phones", "reminders.templating"}
# Lower rooms first; `reminders.backends` (the gateways) sits with the outbox that drives them.
ROOMS = {"reminders.models": 0, "reminders.doses": 1, "reminders.outbox": 2, "reminders.backends": 2,
         "reminders.conversation": 3, "reminders.workspace": 4}
WEBHOOKS_MAY_USE = {"reminders.models", "reminders.conversation", "reminders.outbox"}
# The webhook inbox's admin page sits at the top, like reminders.admin: it tells stored outcomes in
# the reader's words (reminders/workspace/outcomes.py).
WEBHOOKS_ADMIN_MAY_ALSO_USE = {"reminders.workspace"}


def imported(source: str) -> list[str]:
    """Every module of this project a source imports, as a dotted path."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return [name for name in found if name.split(".")[0] in ("reminders", "webhooks")]


def room(module: str) -> str | None:
    return next((name for name in ROOMS if module == name or module.startswith(name + ".")), None)


def wrong_arrows(module: str, source: str) -> list[str]:
    """The imports of `module` (a dotted path) that run against the rooms' direction."""
    wrong = []
    own = room(module)
    for target in imported(source):
        if target.startswith("reminders.admin") and not module.startswith("reminders.admin"):
            wrong.append(f"{module} imports the admin ({target})")
        if module in LEAVES and target.startswith("reminders."):
            wrong.append(f"{module} is a leaf but imports {target}")
        theirs = room(target)
        if own is not None and theirs is not None and ROOMS[theirs] > ROOMS[own]:
            wrong.append(f"{module} ({own}) imports {target} ({theirs}), a room above it")
        if own is not None and target.startswith("reminders.") and theirs is None and target not in LEAVES:
            top = ".".join(target.split(".")[:2])
            if top not in LEAVES and top != "reminders" and target != "reminders":
                wrong.append(f"{module} ({own}) imports {target}, outside the rooms")
        may_use = WEBHOOKS_MAY_USE | (WEBHOOKS_ADMIN_MAY_ALSO_USE if module == "webhooks.admin" else set())
        if module.startswith("webhooks.") and theirs is not None and theirs not in may_use:
            wrong.append(f"{module} imports {target} ({theirs}): webhooks go through the conversation and outbox")
    return wrong


def project_modules():
    for path in sorted([*ROOT.glob("reminders/**/*.py"), *ROOT.glob("webhooks/**/*.py")]):
        if "migrations" not in path.parts:
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"), path


def test_every_import_runs_the_rooms_way():
    wrong = [arrow for module, path in project_modules() for arrow in wrong_arrows(module, path.read_text())]
    assert wrong == []


@pytest.mark.parametrize("module, source", [
    ("reminders.doses.compliance", "from reminders.workspace.today import Row"),
    ("reminders.outbox.sending", "from reminders.conversation import classifier"),
    ("reminders.models.people", "import reminders.doses.materialise"),
    ("reminders.conversation.replies", "from reminders.admin.patients import PatientAdmin"),
    ("reminders.phones", "from reminders.models import Patient"),
    ("reminders.conversation.replies", "from reminders.scheduler import tick"),
    ("webhooks.services", "from reminders.workspace.today import Row"),
])
def test_an_arrow_the_wrong_way_is_found(module, source):
    assert wrong_arrows(module, source)


def test_the_rooms_own_way_is_allowed():
    assert wrong_arrows("reminders.workspace.today", "from reminders.conversation.consent import x\n"
                        "from reminders.models import Patient\nfrom reminders.phones import call_url") == []
