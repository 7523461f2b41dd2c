"""The caseworkers' web inbox: queues, report pages, actions, admin."""
