"""The interview service: the one entry point the CLI and the pages use.

Flow per candidate turn: store the words -> derive the round state from the stored turns -> gather
evidence -> the policy picks a move -> the backend phrases it -> store the interviewer's turn.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from interviewer.backends import Grader, Interviewer, Speech, TurnContext
from interviewer.backends.offline import (
    OfflineGrader,
    OfflineInterviewer,
    OfflineSpeech,
    phrase_offline,
)
from interviewer.catalog import Catalog
from interviewer.models import AnyCase, Level, ScoreCard, SessionInfo, Turn, TurnKind
from interviewer.policy import Heard, Move, next_move, understand
from interviewer.policy.moves import Substitution
from interviewer.policy.turns import is_end_command
from interviewer.rescue import rescue_answer
from interviewer.session import ANSWER_SPOKE_TO, RoundState, derive_state, with_note
from interviewer.store import LOCAL_USER, Store, StoreError

if TYPE_CHECKING:
    from interviewer.speech import DeliveryStats, Transcript

Clock = Callable[[], float]


@dataclass(frozen=True)
class RoundView:
    """What a page or the CLI shows about a running session."""

    session: SessionInfo
    case: AnyCase
    turns: list[Turn]
    state: RoundState
    now_s: float

    @property
    def phase_remaining_s(self) -> float:
        return self.state.phase_remaining_s(self.now_s)

    @property
    def round_remaining_s(self) -> float:
        return self.state.round_remaining_s(self.now_s)


class InterviewService:
    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        interviewer: Interviewer | None = None,
        grader: Grader | None = None,
        clock: Clock = time.time,
        offline_grader: OfflineGrader | None = None,
        speech: Speech | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.offline = offline_grader or OfflineGrader()
        self.interviewer: Interviewer = interviewer or OfflineInterviewer()
        self.grader: Grader = grader or self.offline
        self.clock = clock
        self.speech: Speech = speech or OfflineSpeech()
        self._started: dict[str, float] = {}
        self._turn_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self, case_id: str, level: Level = "mid", user_id: str = LOCAL_USER) -> SessionInfo:
        case = self.catalog.case(case_id)
        session = self.store.create_session(case.id, level, self.interviewer.name, user_id=user_id)
        self._started[session.id] = self.clock()
        first_phase = case.plan()[0].id
        self.store.append_turn(
            session.id,
            Turn(index=0, role="interviewer", kind="opening", text=self.interviewer.opening(case),
                 at_s=0.0, phase=first_phase, source=self.interviewer.name),
        )
        return session

    def history(self, user_id: str, limit: int = 500) -> list[SessionInfo]:
        """This user's sessions, newest first."""
        return self.store.sessions(limit, user_id=user_id)

    def session_for(self, session_id: str, user_id: str) -> SessionInfo:
        """The session, when it belongs to user_id: KeyError when there is none, PermissionError
        when it is another user's (the message does not say whose)."""
        session = self.store.session(session_id)
        if session.user_id != user_id:
            raise PermissionError(f"session {session_id} belongs to another user; sign in as its owner "
                                  "or open one of your own sessions")
        return session

    def elapsed_s(self, session_id: str) -> float:
        """Seconds since the session started, by the injected clock; resumes from the last turn
        when this process did not start the session (a restart). Paused time does not count: while
        paused the round clock stands still at the position stored with the session."""
        paused_at = self.store.paused_at_s(session_id)
        if paused_at is not None:
            return paused_at
        if session_id not in self._started:
            turns = self.store.turns(session_id)
            last = turns[-1].at_s if turns else 0.0
            self._started[session_id] = self.clock() - last
        return self.clock() - self._started[session_id]

    def view(self, session_id: str, at_s: float | None = None) -> RoundView:
        session = self.store.session(session_id)
        case = with_phase_extensions(self.catalog.case(session.case_id), self.store.phase_extensions(session_id))
        turns = self.store.turns(session_id)
        state = derive_state(case, turns, self.store.time_extension_s(session_id))
        now = at_s if at_s is not None else self.elapsed_s(session_id)
        return RoundView(session, case, turns, state, now)

    def extend_time(self, session_id: str, minutes: float) -> str:
        """Extra time for the phase being worked on: its budget grows, and so does the round's.
        Returns the phase's title."""
        phase = self.view(session_id).state.phase
        self.store.extend_phase(session_id, phase.id, minutes * 60)
        return phase.title

    def is_paused(self, session_id: str) -> bool:
        return self.store.paused_at_s(session_id) is not None

    def pause(self, session_id: str) -> None:
        """Stop the round clock; phase and round budgets do not use up while paused."""
        if self.store.session(session_id).status != "active" or self.is_paused(session_id):
            return
        self.store.set_paused(session_id, self.elapsed_s(session_id))

    def resume(self, session_id: str) -> None:
        paused_at = self.store.paused_at_s(session_id)
        if paused_at is None:
            return
        self._started[session_id] = self.clock() - paused_at
        self.store.set_paused(session_id, None)

    def save_notes(self, session_id: str, text: str) -> bool:
        """Store the candidate's notes / diagram pad (a new version when it changed)."""
        self.store.session(session_id)  # a KeyError for an unknown session, before any write
        return self.store.save_notes(session_id, text)

    def notes(self, session_id: str) -> str:
        return self.store.notes(session_id)

    def tick(self, session_id: str) -> Turn | None:
        """Called by a ticking clock between answers: once a phase has overrun its budget with the
        candidate silent, the interviewer says so (once per phase) and names what comes next. The
        phase itself changes on the next answer, so a thought in progress is not cut off."""
        view = self.view(session_id)
        state = view.state
        if (view.session.status != "active" or state.finished or self.is_paused(session_id)
                or state.nudged_phase or state.is_last_phase or not state.phase_spent(view.now_s)
                or not view.turns or view.turns[-1].role != "interviewer"):
            return None
        upcoming = state.next_phase
        assert upcoming is not None  # not the last phase
        words = (f"We're past the time for {state.phase.title.lower()}. Finish that thought in a "
                 f"sentence or two and we'll move on to {upcoming.title.lower()}.")
        return self.store.append_turn(
            session_id,
            Turn(index=0, role="interviewer", kind="nudge", text=words, at_s=view.now_s,
                 phase=state.phase.id, source="offline"),
        )

    # -- spoken answers -------------------------------------------------------------------------

    def record_answer(self, session_id: str, audio: bytes, mime: str = "audio/wav") -> int:
        """Store a spoken answer as received, before it is transcribed (so a failed or slow
        transcription loses nothing). Returns the recording's id."""
        if self.store.session(session_id).status != "active":
            raise ValueError(f"session {session_id} has ended; start a new one to continue")
        if not audio:
            raise ValueError("the recording is empty: record again, or type your answer")
        return self.store.save_recording(session_id, audio, mime)

    def transcribe_recording(self, session_id: str, recording_id: int) -> Transcript:
        """Transcribe a stored recording with the case's vocabulary and store the transcript.
        A model backend that fails falls back to the offline recogniser; SpeechError when neither
        can hear it (the recording stays stored)."""
        from interviewer.speech import case_vocabulary

        recording = self.store.recording(session_id, recording_id)
        vocabulary = case_vocabulary(self.catalog.case(self.store.session(session_id).case_id))
        try:
            transcript = self.speech.transcribe(recording.audio, vocabulary)
        except Exception:
            if isinstance(self.speech, OfflineSpeech):
                raise
            transcript = OfflineSpeech().transcribe(recording.audio, vocabulary)
        self.store.set_recording_transcript(recording_id, transcript.model_dump_json())
        return transcript

    def speak(self, text: str) -> bytes:
        """The interviewer's words as WAV, from the backend's voice or else the offline one."""
        try:
            return self.speech.synthesize(text)
        except Exception:
            if isinstance(self.speech, OfflineSpeech):
                raise
            return OfflineSpeech().synthesize(text)

    def spoken_answers(self, session_id: str) -> list[SpokenAnswer]:
        """The transcribed recordings that were sent as answers, with their delivery figures."""
        from interviewer.speech import Transcript, analyse_delivery

        spoken = []
        for recording in self.store.recordings(session_id):
            if recording.turn_index is None or not recording.transcript_json:
                continue
            transcript = Transcript.model_validate_json(recording.transcript_json)
            spoken.append(SpokenAnswer(recording.turn_index, recording.id, transcript,
                                       analyse_delivery(transcript)))
        return spoken

    def transcript_of(self, session_id: str, recording_id: int) -> Transcript | None:
        """The stored transcript of a recording; None while it has not been transcribed."""
        from interviewer.speech import Transcript

        stored = self.store.recording(session_id, recording_id).transcript_json
        return Transcript.model_validate_json(stored) if stored else None


    # -- turns ------------------------------------------------------------------------------------

    def submit(
        self, session_id: str, text: str, at_s: float | None = None, recording_id: int | None = None
    ) -> list[Turn]:
        """Store the candidate's words first, then reply. Returns the interviewer's new turns.
        `recording_id` links a spoken answer's recording to the turn its (corrected) text became."""
        with self._turn_lock(session_id):
            return list(self._reply_turns(session_id, text, at_s, stream=None, recording_id=recording_id))

    def submit_streaming(
        self,
        session_id: str,
        text: str,
        on_chunk: Callable[[str], None],
        at_s: float | None = None,
        recording_id: int | None = None,
    ) -> list[Turn]:
        with self._turn_lock(session_id):
            return list(self._reply_turns(session_id, text, at_s, stream=on_chunk, recording_id=recording_id))

    def _turn_lock(self, session_id: str) -> threading.Lock:
        """One answer-and-reply at a time per interview in this process (two tabs on one session,
        a rerun racing the previous run), so turns stay answer, reply, answer, reply."""
        with self._locks_guard:
            return self._turn_locks.setdefault(session_id, threading.Lock())

    def _reply_turns(
        self,
        session_id: str,
        text: str,
        at_s: float | None,
        stream: Callable[[str], None] | None,
        recording_id: int | None = None,
    ) -> Iterator[Turn]:
        try:
            if at_s is None and self.is_paused(session_id):
                self.resume(session_id)  # answering is taking part: the clock runs again
            view = self.view(session_id, at_s)
            if view.session.status == "finished" or view.state.finished:
                raise ValueError(f"session {session_id} has ended; start a new one to continue")
            now = max(view.now_s, view.turns[-1].at_s if view.turns else 0.0)
            answer = self.store.append_turn(
                session_id,
                Turn(index=0, role="candidate", kind="answer", text=text, at_s=now,
                     phase=view.state.phase.id),
            )
        except StoreError as error:  # a read-only or full database: keep the words elsewhere
            raise rescue_answer(session_id, text, error) from error
        if recording_id is not None:
            self.store.attach_recording(recording_id, answer.index)
        turns = self.store.turns(session_id)
        notes = self.store.notes(session_id)
        rubric = self.catalog.rubric_for(view.case)
        understood = understand(text)
        heard = self._hear(view.case, candidate_words(turns, notes), text, understood.kind == "end")
        move = next_move(view.case, rubric, view.state, heard, text, now, self.offline.embedder, understood)
        context = TurnContext(view.case, rubric, view.state, turns, heard.coverages, now, notes)
        display = _Display(stream)
        display.show("")  # an empty first chunk: the answer is stored, a page may show "thinking"
        words, source, move = self._phrase(move, context, display)
        if move.kind == "phase_change" and (move.reason == "ahead" or move.skipped):
            # the answer had already gone on: say where, so its time counts there (time_per_phase)
            source = with_note(source, f"{ANSWER_SPOKE_TO} {move.skipped[-1] if move.skipped else move.phase}")
        kind = turn_kind(move)
        turn = self.store.append_turn(
            session_id,
            Turn(index=0, role="interviewer", kind=kind, text=words, at_s=now, phase=move.phase,
                 criterion=move.criterion, follow_up=move.follow_up_index, source=source),
        )
        if move.kind == "wrap_up":
            self.store.finish_session(session_id, now)
        display.reraise()  # only now: the reply is stored even when the page was interrupted
        yield turn

    def _hear(self, case: AnyCase, words: list[str], latest: str, ending: bool) -> Heard:
        """The evidence pass over everything the candidate said, once per turn (none for /end)."""
        if ending:
            return Heard({}, latest)
        evidence = self.offline.evidence(case, words)
        stated = self.offline.misconceptions(case, words) if case.misconceptions else []
        return Heard(evidence, latest, tuple(stated))

    def _phrase(self, move: Move, context: TurnContext, display: _Display) -> tuple[str, str, Move]:
        """The backend's words for the move, the source to record and the move it carried out: a
        model interviewer may use one of the move's alternatives, or skip a follow-up the candidate
        has just answered; the stored turn's source records which ("openai (alternative 1)")."""
        chosen, note = move, ""
        try:
            chunks = []
            for chunk in self.interviewer.phrase(move, context):
                if isinstance(chunk, Substitution):
                    chosen, note = chunk.move, chunk.note
                    continue
                chunks.append(chunk)
                display.show(chunk)
            name = self.interviewer.name
            return "".join(chunks).strip(), with_note(name, note), chosen
        except Exception as error:  # noqa: BLE001 - any backend fault falls back for this turn
            words = phrase_offline(move, context)
            display.show(words)
            return words, f"offline-fallback ({type(error).__name__})", move

    # -- ending and scoring -----------------------------------------------------------------------

    def finish(self, session_id: str, at_s: float | None = None) -> ScoreCard:
        view = self.view(session_id, at_s)
        if view.session.status != "finished":
            if not view.state.finished:
                self.store.append_turn(
                    session_id,
                    Turn(index=0, role="interviewer", kind="wrap_up",
                         text="Let's stop here. Thank you; your feedback is ready.",
                         at_s=view.now_s, phase=view.state.phase.id, source="offline"),
                )
            self.store.finish_session(session_id, view.now_s)
        self.store.set_paused(session_id, None)
        return self.score_session(session_id)

    def score_session(self, session_id: str) -> ScoreCard:
        session = self.store.session(session_id)
        case = self.catalog.case(session.case_id)
        answers = candidate_words(self.store.turns(session_id), self.store.notes(session_id))
        card = self.grader.grade(case, self.catalog.rubric_for(case), answers, session.level)
        self.store.save_scorecard(session_id, card)
        return card


@dataclass(frozen=True)
class SpokenAnswer:
    turn_index: int
    recording_id: int
    transcript: Transcript
    delivery: DeliveryStats


class _Display:
    """Forwards streamed words to the caller's callback. If the callback raises (a page rerun
    interrupting the script, a closed terminal), streaming stops but the reply is still generated
    and stored; the interruption is raised again afterwards."""

    def __init__(self, callback: Callable[[str], None] | None) -> None:
        self._callback = callback
        self._interruption: BaseException | None = None

    def show(self, chunk: str) -> None:
        if self._callback is None or self._interruption is not None:
            return
        try:
            self._callback(chunk)
        except BaseException as interruption:  # noqa: BLE001 - re-raised once the turn is stored
            self._interruption = interruption

    def reraise(self) -> None:
        if self._interruption is not None:
            raise self._interruption


def with_phase_extensions(case: AnyCase, extra_s: dict[str, float]) -> AnyCase:
    """The case as this round runs it: each phase's minutes plus the extra time granted to it."""
    if not extra_s:
        return case
    if not case.phases:  # one phase for the whole round
        extra = extra_s.get(case.plan()[0].id, 0.0)
        return case.model_copy(update={"duration_min": case.duration_min + extra / 60})
    phases = [p.model_copy(update={"minutes": p.minutes + extra_s.get(p.id, 0.0) / 60}) for p in case.phases]
    total = sum(p.minutes for p in phases)
    return case.model_copy(update={"phases": phases, "duration_min": total})


def turn_kind(move: Move) -> TurnKind:
    """The stored kind of the interviewer's turn for a move."""
    if move.kind == "interview":  # time left, a repeat, a pause: answered like a question
        return "clarification"
    # A probe that carries a time reminder is stored as a nudge (it still asks its follow-up).
    return "nudge" if move.kind == "probe" and move.time_note else move.kind


def candidate_answers(turns: list[Turn]) -> list[str]:
    return [t.text for t in turns if t.role == "candidate" and not is_end_command(t.text)]


def candidate_words(turns: list[Turn], notes: str = "") -> list[str]:
    """Everything the candidate said, plus their notes pad: both are their own words and evidence."""
    return candidate_answers(turns) + ([notes] if notes.strip() else [])
