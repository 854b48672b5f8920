"""What a partnership tells the features above it, which it may not import (docs/architecture.md, the import rule).

`partnership_created` is sent inside the creating transaction by `actions.do_create_partnership`, with the
partnership and the actor; a feature that keeps set-up per partnership (EST's settings and categories) connects
to it in its `AppConfig.ready` and writes its own audited rows, so they exist before anyone opens a page."""

from django.dispatch import Signal

partnership_created = Signal()
