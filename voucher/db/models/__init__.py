"""Typed models. Money columns are integer cents; times are UTC (see :mod:`voucher.db.types`)."""

from voucher.db.models.activity import AuditEvent, Hold, Redemption, RefusedScan
from voucher.db.models.api import IdempotencyRecord
from voucher.db.models.auth import ApiKey, RoleGrant, User
from voucher.db.models.base import Base
from voucher.db.models.disputes import OfflineDispute  # offline acceptances refused
from voucher.db.models.evaluation import (  # other costs, follow-up, comparison group
    ComparisonGroup,
    FollowUp,
    ProgrammeCost,
)
from voucher.db.models.finance import (  # month close and payments
    BankImport,
    BankMovement,
    CreditNote,
    DocumentSequence,
    FinanceLock,
    MonthClose,
    PaymentApproval,
    PaymentRun,
    PaymentTransfer,
    Statement,
    StatementProgramme,
)
from voucher.db.models.fraud import FraudFlag, StructureDayVolume
from voucher.db.models.funder_documents import FunderDocument
from voucher.db.models.impact import ImpactRelease, ResearchGrant  # impact
from voucher.db.models.issuance import Batch, Beneficiary, Book, FundsReceived, Voucher
from voucher.db.models.jobs import Job  # long work off the request
from voucher.db.models.ledger import Account, AccountPart, JournalEntry, JournalSeal, Posting
from voucher.db.models.mail import MailMessage, NotificationOptOut, PasswordReset  # e-mail
from voucher.db.models.places import (  # places that join by themselves
    EligibilityQuestion,
    PlaceApplication,
    PlaceDocument,
    PlaceSite,
    SireneEstablishment,
)
from voucher.db.models.printing import (  # carnets
    BookReplacement,
    PrintFile,
    PrintFileBook,
    ProgrammeCover,
    ProgrammeLogo,
    VoucherReplacement,
)
from voucher.db.models.reference import (
    BankAccount,
    BankAccountEvent,
    CommuneCentre,
    Label,
    Organisation,
    PilotZone,
    PilotZoneCommune,
    Programme,
    ProgrammeFunder,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
)
from voucher.db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "AccountPart",
    "OfflineDispute",
    "ApiKey",
    "AuditEvent",
    "BankAccount",
    "BankAccountEvent",
    "CommuneCentre",
    "Base",
    "Batch",
    "Beneficiary",
    "Book",
    "FraudFlag",
    "FundsReceived",
    "Hold",
    "IdempotencyRecord",
    "ImpactRelease",
    "Job",
    "JournalEntry",
    "JournalSeal",
    "Label",
    "MailMessage",
    "NotificationOptOut",
    "PasswordReset",
    "Organisation",
    "PilotZone",
    "PilotZoneCommune",
    "Posting",
    "Programme",
    "ProgrammeFunder",
    "ProgrammeLabel",
    "ProgrammeStructure",
    "ProgrammeZone",
    "Redemption",
    "RefusedScan",
    "RoleGrant",
    "StructureDayVolume",
    "User",
    "Voucher",
]
__all__ += [
    "BankImport",
    "BankMovement",
    "CreditNote",
    "DocumentSequence",
    "FinanceLock",
    "MonthClose",
    "PaymentApproval",
    "PaymentRun",
    "PaymentTransfer",
    "Statement",
    "StatementProgramme",
]
__all__ += [
    "BookReplacement",
    "PrintFile",
    "PrintFileBook",
    "ProgrammeCover",
    "ProgrammeLogo",
    "VoucherReplacement",
]
__all__ += ["FunderDocument"]
__all__ += ["ResearchGrant"]
__all__ += ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]

__all__ += [
    "EligibilityQuestion",
    "PlaceApplication",
    "PlaceDocument",
    "PlaceSite",
    "SireneEstablishment",
]
__all__ += ["ComparisonGroup", "FollowUp", "ProgrammeCost"]
