"""Assets of cqmonitor, from the crawl to the Slack digest."""
