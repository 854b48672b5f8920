"""The EST meeting of each week and the actions it decides, followed up by the meeting and by the organisation
each action is assigned to.

`actions` (meetings, deciding and following up actions, which move the linked reports' status), `forms`,
`queries` (the meetings, one meeting's decided and carried-over actions), `views` and `urls`.
"""
