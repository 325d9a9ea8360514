"""What every handler and job may use: settings, the organisation, the repositories, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from bot.config import Settings
from bot.organisation import FieldType, Organisation
from storage import Database
from storage.agreements import AgreementRepository
from storage.applications import ApplicationRepository, CoordinatorSettingsRepository
from storage.assignments import AssignmentRepository
from storage.audit import AuditLog
from storage.broadcasts import AnswerFields, BroadcastRepository
from storage.consents import ConsentRepository, NoticeRepository
from storage.coordinator_alerts import CoordinatorAlerts
from storage.coordinators import CoordinatorRepository, InviteRepository
from storage.db import utcnow
from storage.documents import DocumentRepository
from storage.events import EventRepository
from storage.hours import HoursLedger
from storage.organisations import OrganisationRepository
from storage.people import PeopleDirectory
from storage.plans import PlanRepository
from storage.preferences import PreferenceRepository
from storage.sessions import SessionStore
from storage.support_requests import SupportRequestRepository
from storage.threads import ThreadRepository
from storage.users import UserRepository
from storage.work_logs import WorkLogRepository


class Role(IntEnum):
    VOLUNTEER = 0
    COORDINATOR = 1
    ADMIN = 2


@dataclass
class Services:
    settings: Settings
    org: Organisation
    db: Database
    clock: Callable[[], datetime] = utcnow
    users: UserRepository = field(init=False)
    coordinators: CoordinatorRepository = field(init=False)
    applications: ApplicationRepository = field(init=False)
    consents: ConsentRepository = field(init=False)
    notices: NoticeRepository = field(init=False)
    coordinator_settings: CoordinatorSettingsRepository = field(init=False)
    coordinator_alerts: CoordinatorAlerts = field(init=False)
    events: EventRepository = field(init=False)
    audit: AuditLog = field(init=False)
    invites: InviteRepository = field(init=False)
    agreements: AgreementRepository = field(init=False)
    plans: PlanRepository = field(init=False)
    preferences: PreferenceRepository = field(init=False)
    broadcasts: BroadcastRepository = field(init=False)
    sessions: SessionStore = field(init=False)
    people: PeopleDirectory = field(init=False)
    documents: DocumentRepository = field(init=False)
    work_logs: WorkLogRepository = field(init=False)
    hours: HoursLedger = field(init=False)
    organisations: OrganisationRepository = field(init=False)
    support_requests: SupportRequestRepository = field(init=False)
    assignments: AssignmentRepository = field(init=False)
    threads: ThreadRepository = field(init=False)

    def __post_init__(self) -> None:
        self.users = UserRepository(self.db)
        self.coordinators = CoordinatorRepository(self.db)
        self.applications = ApplicationRepository(self.db)
        self.consents = ConsentRepository(self.db)
        self.notices = NoticeRepository(self.db)
        self.coordinator_settings = CoordinatorSettingsRepository(self.db)
        self.coordinator_alerts = CoordinatorAlerts(self.db)
        self.events = EventRepository(self.db)
        self.audit = AuditLog(self.db)
        self.invites = InviteRepository(self.db)
        self.agreements = AgreementRepository(self.db)
        self.plans = PlanRepository(self.db)
        self.preferences = PreferenceRepository(self.db, self.settings.default_quiet)
        self.broadcasts = BroadcastRepository(self.db, self.preferences)
        self.sessions = SessionStore(self.db)
        self.people = PeopleDirectory(self.db, *(self._field_of(kind) for kind in (FieldType.EMAIL, FieldType.PHONE)))
        self.documents = DocumentRepository(self.db)
        self.hours = HoursLedger(self.db, self.settings.tz)
        self.organisations = OrganisationRepository(self.db)
        self.support_requests = SupportRequestRepository(self.db)
        self.assignments = AssignmentRepository(self.db)
        self.work_logs = WorkLogRepository(self.db, self.hours)
        self.threads = ThreadRepository(self.db)

    def _field_of(self, kind: FieldType) -> str | None:
        return next((f.id for f in self.org.form if f.type == kind), None)

    def answer_fields(self) -> AnswerFields:
        """The form fields that hold a county and competence areas (audiences filter on them)."""
        form = self.org.form
        return AnswerFields(
            counties=tuple(f.id for f in form if f.choices_from == "counties"),
            competences=tuple(f.id for f in form if f.choices_from == "competence_areas"),
        )

    def choice_fields(self) -> tuple[str, ...]:
        """The form's choice questions: their answers are indexed (storage/audience_index.py)."""
        return tuple(f.id for f in self.org.form if f.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE))

    async def staff_ids(self) -> list[int]:
        """Everyone who coordinates: the coordinators and the admins."""
        ids = {c.telegram_id for c in await self.coordinators.list()}
        return sorted(ids | set(self.settings.admin_ids))

    async def role_of(self, telegram_id: int) -> Role:
        """Admins come from BOT_ADMIN_IDS; coordinators from the database, read every time so a
        change made from the command line applies at once."""
        if telegram_id in self.settings.admin_ids:
            return Role.ADMIN
        if await self.coordinators.is_coordinator(telegram_id):
            return Role.COORDINATOR
        return Role.VOLUNTEER
