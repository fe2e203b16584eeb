"""The Slack digest of everything not yet delivered."""

from datetime import UTC, datetime

import dagster as dg

from pipelines.core.statuses import DeliveryOutcomeStatus
from pipelines.delivery import DeliveryOutcome, deliver_digest
from pipelines.digest import DigestLabels

from ..resources import DatabaseResource, SlackResource, TaxonomyResource


def outcome_metadata(outcome: DeliveryOutcome) -> dict[str, object]:
    return {
        "status": str(outcome.status),
        "digest_id": outcome.digest_id or 0,
        "events": outcome.events,
        "articles": outcome.articles,
        "messages": outcome.messages,
        "text": dg.MetadataValue.text(outcome.text),
        "preview": dg.MetadataValue.md(f"```\n{outcome.text[:4000]}\n```" if outcome.text else "-"),
    }


@dg.asset(group_name="deliver", kinds={"slack"}, deps=["article_topics", "events"])
def slack_digest(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    slack: SlackResource,
    taxonomy: TaxonomyResource,
) -> dg.MaterializeResult:
    """The daily Slack digest: new conferences, alliances and proposals on the topics."""
    outcome = deliver_digest(
        database.factory,
        sender=slack.sender(),
        channel=slack.channel or None,
        now=datetime.now(UTC),
        send_empty=slack.send_empty,
        preview_path=slack.preview_path,
        labels=DigestLabels.from_taxonomy(taxonomy.load()),
    )
    for note in outcome.notes:
        context.log.info(note)
    if outcome.status == DeliveryOutcomeStatus.FAILED:
        raise dg.Failure(
            description=f"digest not delivered: {outcome.error}",
            metadata=outcome_metadata(outcome),
        )
    if outcome.status == DeliveryOutcomeStatus.PREVIEW:
        context.log.info(f"no SLACK_BOT_TOKEN: digest preview written to {outcome.blocks_path}")
    return dg.MaterializeResult(metadata=outcome_metadata(outcome))
