"""French labels of campaign and outbox statuses: one definition for the pages, the tenant's
SMS panel, the timeline and the inbox conversation."""

from __future__ import annotations

from crm.campaigns.models import CampaignStatus, OutboxStatus

CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: "Brouillon", CampaignStatus.PREPARING: "En préparation",
    CampaignStatus.SCHEDULED: "Programmée",
    CampaignStatus.SENDING: "En cours d'envoi", CampaignStatus.DONE: "Terminée",
    CampaignStatus.CANCELLED: "Annulée",
}

# One message's status, lower case to sit inside a sentence ("SMS envoyé (distribué)");
# pages capitalise it for a heading.
OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: "en attente",
    OutboxStatus.SENDING: "en cours d'envoi",
    OutboxStatus.SENT: "remis à l'opérateur",
    OutboxStatus.DELIVERED: "distribué",
    OutboxStatus.UNDELIVERED: "non distribué",
    OutboxStatus.FAILED: "échec",
    OutboxStatus.UNKNOWN: "incertain (à vérifier)",
    OutboxStatus.CANCELLED: "annulé",
}
