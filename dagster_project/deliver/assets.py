"""One delivery asset per subscription: its daily digest, or its instant alerts.

Each subscription's asset succeeds or fails on its own (a channel Slack refuses fails only its
team's delivery, retried next run), and the UI shows each team's last delivery.
"""

from datetime import UTC, datetime

import dagster as dg

from pipelines.core.problems import ExitCode, Problem
from pipelines.core.statuses import DeliveryOutcomeStatus
from pipelines.core.text import markdown_fenced
from pipelines.delivery import DeliveryOutcome, deliver_alerts, deliver_digest
from pipelines.digest import DigestLabels
from pipelines.subscriptions import DEFAULT_NAME, Subscription

from ..errors import problem_failure
from ..resources import DatabaseResource, SlackResource, TaxonomyResource

UPSTREAM = ["article_topics", "events"]


def outcome_metadata(outcome: DeliveryOutcome, subscription: Subscription) -> dict[str, object]:
    return {
        "subscription": subscription.name,
        "channel": subscription.channel or "-",
        "status": str(outcome.status),
        "digest_id": outcome.digest_id or 0,
        "events": outcome.events,
        "articles": outcome.articles,
        "messages": outcome.messages,
        "notes": dg.MetadataValue.json(list(outcome.notes)),
        "text": dg.MetadataValue.text(outcome.text),
        "preview": dg.MetadataValue.md(
            markdown_fenced(outcome.text[:4000]) if outcome.text else "-"
        ),
    }


def delivery_asset_name(subscription: Subscription) -> str:
    prefix = "alerts" if subscription.instant else "digest"
    return f"{prefix}_{subscription.asset_name}"


def _report(
    context: dg.AssetExecutionContext, outcome: DeliveryOutcome, subscription: Subscription
) -> dg.MaterializeResult:
    metadata = outcome_metadata(outcome, subscription)
    for note in outcome.notes:
        context.log.info(note)
    if outcome.status == DeliveryOutcomeStatus.FAILED:
        problem = Problem(
            f"Slack delivery to {subscription.name} failed",
            outcome.error or "failed",
            f"fix {outcome.setting} and run again" if outcome.setting else "run again later",
            ExitCode.SLACK_REFUSED,
        )
        raise problem_failure(problem, metadata)
    if outcome.status == DeliveryOutcomeStatus.PREVIEW:
        context.log.info(f"no SLACK_BOT_TOKEN: {subscription.name} previewed, nothing posted")
    return dg.MaterializeResult(metadata=metadata)


def delivery_asset(subscription: Subscription) -> dg.AssetsDefinition:
    """The asset delivering ``subscription``: a digest (daily) or alerts (instant)."""
    what = "instant alerts" if subscription.instant else "daily Slack digest"
    topics = ", ".join(sorted(subscription.topics)) if subscription.topics else "every topic"

    @dg.asset(
        name=delivery_asset_name(subscription),
        group_name="deliver",
        kinds={"slack"},
        deps=UPSTREAM,
        description=f"The {what} of {subscription.name} ({topics}).",
        tags={"cqmonitor/subscription": subscription.name},
    )
    def _delivery(
        context: dg.AssetExecutionContext,
        database: DatabaseResource,
        slack: SlackResource,
        taxonomy: TaxonomyResource,
    ) -> dg.MaterializeResult:
        labels = DigestLabels.from_taxonomy(taxonomy.load())
        sender = slack.sender()
        if subscription.instant:
            outcome = deliver_alerts(
                database.factory,
                sender=sender,
                subscription=subscription,
                now=datetime.now(UTC),
                labels=labels,
            )
        else:
            outcome = deliver_digest(
                database.factory,
                sender=sender,
                subscription=subscription,
                now=datetime.now(UTC),
                send_empty=slack.send_empty,
                preview_path=slack.preview_file(
                    "" if subscription.name == DEFAULT_NAME else subscription.name
                ),
                labels=labels,
            )
        return _report(context, outcome, subscription)

    return _delivery
