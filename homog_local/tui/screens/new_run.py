"""The new-run form: the same settings as ``homog run``, checked as the user types."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    Collapsible,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
)

from homog_local.datasets import BUILTIN_DATASETS
from homog_local.errors import ConfigError, DatasetError, HomogError, ModelLoadError
from homog_local.judges import judges_for
from homog_local.models import ModelEntry, ModelRole, list_models
from homog_local.settings import (
    DECODE_MODES,
    KV_CACHE_TYPES,
    SAMPLER_PRESETS,
    ClusterKind,
    ClusterSpec,
    RunSettings,
    resolve_settings,
)
from homog_local.tui.data.formatting import format_decoding, format_size
from homog_local.tui.jobs import explain_error
from homog_local.tui.services import services_of

__all__ = ["NewRunScreen", "judge_names"]

log = logging.getLogger(__name__)

# ConfigError.key (a CLI flag or settings key) -> the form field that shows it.
_FIELD_OF_KEY = {
    "model": "model",
    "--model": "model",
    "dataset": "dataset",
    "--dataset": "dataset",
    "--limit": "limit",
    "limit": "limit",
    "--samples": "n_samples",
    "n_samples": "n_samples",
    "--max-tokens": "max_tokens",
    "max_tokens": "max_tokens",
    "n_ctx": "max_tokens",
    "--temperature": "temperature",
    "temperature": "temperature",
    "--sampler": "sampler",
    "n_threads": "n_threads",
    "--threads": "n_threads",
    "--cluster": "clusterers",
    "--decode": "decode",
    "decode": "decode",
    "--parallel": "parallel",
    "parallel": "parallel",
    "--group-size": "group_size",
    "group_size": "group_size",
    "flash_attn": "flash_attn",
    "--kv-type": "kv_type",
    "kv_type": "kv_type",
}
# Form field -> its label, which error messages start with.
_LABELS = {
    "model": "Model",
    "dataset": "Dataset",
    "limit": "Questions",
    "n_samples": "Samples N",
    "temperature": "Temperature",
    "max_tokens": "Max tokens",
    "n_threads": "CPU threads",
    "sampler": "Sampler preset",
    "clusterers": "Clusterers",
    "decode": "Decode mode",
    "parallel": "Parallel slots",
    "group_size": "Group size",
    "flash_attn": "Flash attention",
    "kv_type": "KV cache type",
}
# Fields of the collapsible "Decoding" section, which opens when one of them is invalid.
_DECODING_FIELDS = ("decode", "parallel", "group_size", "flash_attn", "kv_type")
_FIELDS = (
    "model",
    "dataset",
    "limit",
    "n_samples",
    "temperature",
    "max_tokens",
    "n_threads",
    "sampler",
    "clusterers",
    *_DECODING_FIELDS,
)
_DATASET_FILE = "__file__"


def judge_names(dataset: str) -> list[str]:
    """Return the judges that label a dataset's answers, primary first."""
    info = BUILTIN_DATASETS.get(dataset)
    kind = info.answer_kind if info is not None else "alias"
    # The embedding judge needs an embedder only when it labels; a placeholder names it.
    return [judge.name for judge in judges_for(kind, embed=lambda texts: None)]  # type: ignore[arg-type, return-value]


@dataclass(frozen=True)
class _FormValues:
    explicit: dict[str, object]
    errors: dict[str, str]


class NewRunScreen(Screen[None]):
    """Form that creates a run and opens its monitor."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start run"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._defaults = _safe_defaults()
        self._models: list[ModelEntry] = []
        self._shown_errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        defaults = self._defaults
        taus = {spec.kind: spec.threshold for spec in defaults.clusterers}
        builtin = defaults.dataset in BUILTIN_DATASETS
        yield Header()
        with VerticalScroll(id="form"):
            with Horizontal(classes="form-row"):
                yield Label("Model", classes="form-label")
                yield Select([], id="model", prompt="loading models…", compact=True)
            yield Static(classes="field-error", id="model-error")
            with Horizontal(classes="form-row"):
                yield Label("Dataset", classes="form-label")
                yield Select(
                    [(f"{name} ({info.n_rows} q)", name) for name, info in BUILTIN_DATASETS.items()]
                    + [("file path →", _DATASET_FILE)],
                    id="dataset",
                    value=defaults.dataset if builtin else _DATASET_FILE,
                    allow_blank=False,
                    compact=True,
                )
                yield Input(
                    "" if builtin else defaults.dataset,
                    placeholder="JSONL or CSV path",
                    id="dataset-path",
                    compact=True,
                )
            yield Static(id="judge-note", classes="field-note")
            yield Static(classes="field-error", id="dataset-error")
            yield from _number_row("limit", defaults.limit, "0 = all")
            yield from _number_row("n_samples", defaults.n_samples, "1 to 200")
            yield from _number_row("temperature", defaults.sampler_params.temperature, "(0, 5]")
            yield from _number_row("max_tokens", defaults.max_tokens, "1 to 4096")
            yield from _number_row(
                "n_threads",
                _form_threads(defaults),
                "llama.cpp threads; one core stays free for the UI",
            )
            with Horizontal(classes="form-row"):
                yield Label("Sampler preset", classes="form-label")
                yield Select(
                    [(name, name) for name in SAMPLER_PRESETS],
                    id="sampler",
                    value=defaults.sampler,
                    allow_blank=False,
                    compact=True,
                )
            yield Static(classes="field-error", id="sampler-error")
            with Horizontal(classes="form-row"):
                yield Label("Clusterers (τ)", classes="form-label")
                yield Checkbox(
                    "Jaccard τ", ClusterKind.JACCARD in taus, id="use-jaccard", compact=True
                )
                yield Input(
                    f"{taus.get(ClusterKind.JACCARD, 0.4):g}",
                    id="tau-jaccard",
                    classes="tau",
                    compact=True,
                )
                yield Checkbox(
                    "Embedding τ", ClusterKind.EMBEDDING in taus, id="use-embedding", compact=True
                )
                yield Input(
                    f"{taus.get(ClusterKind.EMBEDDING, 0.85):g}",
                    id="tau-embedding",
                    classes="tau",
                    compact=True,
                )
            yield Static(classes="field-error", id="clusterers-error")
            with Horizontal(id="form-buttons"):
                yield Button("Start (Ctrl+S)", variant="primary", id="start", compact=True)
                yield Button("Back (Esc)", id="back", compact=True)
            yield from _decoding_section(defaults)
        yield Footer()

    def on_mount(self) -> None:
        """Load the model list off the UI thread and show the dataset's judge."""
        self.sub_title = "New run"
        self._update_dataset_note()
        self._load_models()
        self.query_one("#model", Select).focus()

    @work(thread=True, exclusive=True, group="models")
    def _load_models(self) -> None:
        try:
            models = [m for m in list_models() if m.role is ModelRole.GENERATOR]
        except HomogError as error:
            self.app.call_from_thread(self._show_error, "model", str(error))
            return
        self.app.call_from_thread(self._fill_models, models)

    def _fill_models(self, models: list[ModelEntry]) -> None:
        self._models = models
        select: Select[str] = self.query_one("#model", Select)
        select.set_options([(_model_label(m), m.name) for m in models])
        select.prompt = "choose a model"
        names = [m.name for m in models]
        if self._defaults.model in names:
            select.value = self._defaults.model
        self._validate()

    @on(Select.Changed)
    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _field_changed(self) -> None:
        self._update_dataset_note()
        self._update_decoding_title()
        self._validate()

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.app.pop_screen()

    def action_start(self) -> None:
        """Validate the form and create the run in a worker."""
        values = self._validate()
        if values.errors:
            self.notify("Fix the fields marked in red first.", severity="warning")
            return
        self.query_one("#start", Button).disabled = True
        self._create_run(values.explicit)

    @work(thread=True, exclusive=True, group="create")
    def _create_run(self, explicit: dict[str, object]) -> None:
        services = services_of(self)
        try:
            settings = resolve_settings(explicit)
            run_id = services.engine.create(settings)
        except ConfigError as error:
            field = _field_of_key(error.key)
            self.app.call_from_thread(self._creation_failed, field, _config_message(error, field))
            return
        except DatasetError as error:
            self.app.call_from_thread(self._creation_failed, "dataset", str(error))
            return
        except ModelLoadError as error:
            self.app.call_from_thread(self._creation_failed, "model", str(error))
            return
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(self._creation_failed, "model", explain_error(error))
            return
        self.app.call_from_thread(self._created, run_id)

    def _creation_failed(self, field: str, message: str) -> None:
        self._show_error(field, message)
        self.query_one("#start", Button).disabled = False
        self.notify(message, severity="error", title="Run not created", markup=False)

    def _created(self, run_id: int) -> None:
        from homog_local.tui.screens.monitor import MonitorScreen

        self.app.switch_screen(MonitorScreen(run_id, start=True))

    def _validate(self) -> _FormValues:
        values = self._collect()
        errors = dict(values.errors)
        if not errors:
            try:
                resolve_settings(values.explicit).validate()
            except ConfigError as error:
                field = _field_of_key(error.key)
                errors[field] = _config_message(error, field)
        for field in _FIELDS:
            self._show_error(field, errors.get(field, ""))
        return _FormValues(values.explicit, errors)

    def _show_error(self, field: str, message: str) -> None:
        widget = self.query_one(f"#{field}-error", Static)
        if message and field in _DECODING_FIELDS and message != self._shown_errors.get(field):
            # A new error opens the section, because a collapsed section would hide it.
            self.query_one("#decoding", Collapsible).collapsed = False
        self._shown_errors[field] = message
        # Messages quote what the user typed, so they are shown as plain text, not markup.
        widget.update(Content(message))
        widget.display = bool(message)

    def _collect(self) -> _FormValues:
        errors: dict[str, str] = {}
        explicit: dict[str, object] = {}

        model = self.query_one("#model", Select).value
        if model is Select.NULL:
            errors["model"] = "Choose a generator model."
        else:
            explicit["model"] = str(model)
            entry = next((m for m in self._models if m.name == model), None)
            if entry is not None and not entry.present:
                errors["model"] = (
                    f"{entry.name} is not installed; "
                    f"{entry.install_hint or 'see `homog models list`'}"
                )

        dataset = self.query_one("#dataset", Select).value
        if dataset == _DATASET_FILE:
            path = self.query_one("#dataset-path", Input).value.strip()
            if not path:
                errors["dataset"] = "Enter the path of a JSONL or CSV file, or pick a builtin."
            explicit["dataset"] = path
        else:
            explicit["dataset"] = str(dataset)

        for field, kind in (
            ("limit", int),
            ("n_samples", int),
            ("max_tokens", int),
            ("n_threads", int),
            ("temperature", float),
            ("parallel", int),
            ("group_size", int),
        ):
            raw = self.query_one(f"#{field}", Input).value.strip()
            try:
                explicit[field] = kind(raw)
            except ValueError:
                noun = "an integer" if kind is int else "a number"
                errors[field] = f"{_LABELS[field]}: enter {noun}; got {raw!r}."
        if "n_threads" not in errors and int(explicit["n_threads"]) < 1:  # type: ignore[call-overload]
            errors["n_threads"] = (
                f"{_LABELS['n_threads']}: enter at least 1; got {explicit['n_threads']}."
            )
        explicit["sampler"] = str(self.query_one("#sampler", Select).value)
        explicit["decode"] = str(self.query_one("#decode", Select).value)
        explicit["flash_attn"] = self.query_one("#flash_attn", Checkbox).value
        explicit["kv_type"] = str(self.query_one("#kv_type", Select).value)

        specs = []
        for kind_name in (ClusterKind.JACCARD.value, ClusterKind.EMBEDDING.value):
            if not self.query_one(f"#use-{kind_name}", Checkbox).value:
                continue
            raw = self.query_one(f"#tau-{kind_name}", Input).value.strip()
            try:
                specs.append(ClusterSpec.parse(f"{kind_name}@{raw}", self._defaults.embedder))
            except ConfigError:
                errors["clusterers"] = f"τ of {kind_name} must be a number in (0, 1]; got {raw!r}."
        if not specs and "clusterers" not in errors:
            errors["clusterers"] = "Tick at least one clusterer."
        explicit["clusterers"] = tuple(specs)
        return _FormValues(explicit, errors)

    def _update_dataset_note(self) -> None:
        dataset = self.query_one("#dataset", Select).value
        path_input = self.query_one("#dataset-path", Input)
        path_input.display = dataset == _DATASET_FILE
        if dataset == _DATASET_FILE:
            note = "Judge: alias-match (files without a builtin answer kind use alias matching)"
        else:
            names = judge_names(str(dataset))
            note = f"Judge (automatic for this dataset): {names[0]} (primary)"
            if len(names) > 1:
                note += f", also {', '.join(names[1:])}"
        self.query_one("#judge-note", Static).update(note)

    def _update_decoding_title(self) -> None:
        self.query_one("#decoding", Collapsible).title = _decoding_title(
            self.query_one("#decode", Select).value,
            self.query_one("#parallel", Input).value.strip(),
            self.query_one("#group_size", Input).value.strip(),
            self.query_one("#flash_attn", Checkbox).value,
            self.query_one("#kv_type", Select).value,
        )


def _number_row(field: str, value: float, allowed: str) -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Label(_LABELS[field], classes="form-label")
        yield Input(f"{value:g}", id=field, compact=True, classes="number")
        yield Static(allowed, classes="field-hint")
    yield Static(classes="field-error", id=f"{field}-error")


def _select_row(field: str, choices: tuple[str, ...], value: str, hint: str) -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Label(_LABELS[field], classes="form-label")
        yield Select(
            [(choice, choice) for choice in choices],
            id=field,
            value=value,
            allow_blank=False,
            compact=True,
            classes="choice",
        )
        yield Static(hint, classes="field-hint")
    yield Static(classes="field-error", id=f"{field}-error")


def _decoding_section(defaults: RunSettings) -> ComposeResult:
    # The section sits below the buttons and starts collapsed, so the rows above keep their
    # places and the whole form fits a 100x30 screen. Its title shows the current values.
    title = _decoding_title(
        defaults.decode,
        defaults.parallel,
        defaults.group_size,
        defaults.flash_attn,
        defaults.kv_type,
    )
    with Collapsible(title=title, id="decoding", collapsed=True):
        yield from _select_row(
            "decode",
            DECODE_MODES,
            defaults.decode,
            "batched: many answers per step; sequential: one at a time",
        )
        yield from _number_row(
            "parallel",
            defaults.parallel,
            "1 to 256 answers decoded at once (batched), each with a KV cache",
        )
        yield from _number_row(
            "group_size",
            defaults.group_size,
            "1 to 1024 questions decoded and stored together (batched)",
        )
        with Horizontal(classes="form-row"):
            yield Label(_LABELS["flash_attn"], classes="form-label")
            yield Checkbox("enabled", defaults.flash_attn, id="flash_attn", compact=True)
            yield Static(
                "llama.cpp flash attention; shifts token entropies slightly",
                classes="field-hint",
            )
        yield Static(classes="field-error", id="flash_attn-error")
        yield from _select_row(
            "kv_type",
            KV_CACHE_TYPES,
            defaults.kv_type,
            "cache element type; q8_0 and f32 shift logits slightly",
        )


def _decoding_title(
    decode: object, parallel: object, group_size: object, flash_attn: bool, kv_type: object
) -> str:
    # Collapsible titles are markup, and the values come straight from the inputs.
    return escape("Decoding: " + format_decoding(decode, parallel, group_size, flash_attn, kv_type))


def _form_threads(defaults: RunSettings) -> int:
    # llama.cpp's worker threads spin while they wait, so using every core
    # starves the UI thread: on a 2-core machine a 2-question run took 59 s
    # instead of 9 s with one core left free (measured in the Pilot tests).
    if defaults.n_threads is not None:
        return defaults.n_threads
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n_cpus = os.cpu_count() or 1
    return max(1, n_cpus - 1)


def _model_label(entry: ModelEntry) -> str:
    kind = entry.kind.value if entry.kind is not None else "unknown kind"
    label = f"{entry.name} ({kind}, {format_size(entry.size_bytes)})"
    return label if entry.present else f"{entry.name} ({kind}, not installed)"


def _field_of_key(key: str) -> str:
    # Keys of HOMOG_* variables and config.toml read "<origin> <settings key>".
    if key in _FIELD_OF_KEY:
        return _FIELD_OF_KEY[key]
    return _FIELD_OF_KEY.get(key.rsplit(" ", 1)[-1], "model")


def _config_message(error: ConfigError, field: str) -> str:
    # An error from a HOMOG_* variable, the config file or a setting the form does not
    # show (n_ctx) names where the value came from, because the fix is there.
    if " " in error.key:
        origin, _, setting = error.key.rpartition(" ")
        name = origin if origin.startswith("HOMOG_") else f"{setting} in {origin}"
    elif error.key == "n_ctx":
        name = error.key
    else:
        name = _LABELS[field]
    return f"{name}: {error.value!r} is invalid; {error.allowed}."


def _safe_defaults() -> RunSettings:
    # A broken config.toml or HOMOG_* variable must not stop the form from opening;
    # the form then shows the error under the first field that validates.
    try:
        return resolve_settings({})
    except ConfigError as error:
        log.warning("ignoring config defaults: %s", error)
        return RunSettings()
