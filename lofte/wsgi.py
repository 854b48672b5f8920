import os

from django.core.wsgi import get_wsgi_application

from lofte.lib.env import private_files

private_files()  # gunicorn keeps the umask it was started with: what the site writes is the service user's alone
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofte.settings")

application = get_wsgi_application()
