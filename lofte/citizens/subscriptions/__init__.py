"""E-mail subscriptions to a kommun's warnings and follow-up reports: the public pages to subscribe (double
opt-in), confirm and unsubscribe with one click, and the actions behind them. What is sent lives in
`lofte.citizens.dispatch`."""
