"""Whether the actor chose not to be named to the partnership (an anonymous EST report): the feed never names them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="actor_hidden",
            field=models.BooleanField(default=False, verbose_name="utförd anonymt"),
        ),
    ]
