"""What the promises tell the features above them, which they may not import (docs/architecture.md, the import
rule).

`round_published` is sent after commit by `do_publish_round` with the round; the citizens' feature connects to
it in its `AppConfig.ready` to e-mail the report to the kommun's subscribers."""

from django.dispatch import Signal

round_published = Signal()
