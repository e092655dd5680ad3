"""Group learning moves from `coaching` to its own app, keeping its tables and rows."""

import django.core.validators
import django.db.models.deletion
import learning.models
import uuid
from django.conf import settings
from django.db import migrations, models


MOVED = ["resource", "pdsession", "signup", "coachgroup", "groupmeeting", "coachgoal", "coachgoalnote", "checkin",
         "checkinresponse"]


def _relabel(apps, old: str, new: str) -> None:
    """Keep the content types (and so permissions and admin history) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).delete()
        else:
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_to_learning(apps, schema_editor) -> None:
    _relabel(apps, "coaching", "learning")


def content_types_to_coaching(apps, schema_editor) -> None:
    _relabel(apps, "learning", "coaching")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('coaching', '0008_entrychange'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('teachers', '0003_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already (made by coaching 0003, under the names kept in db_table): only
        # Django's record of which app owns the models changes; no table, column or row is touched.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CheckIn',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('title', models.CharField(default='How is our coaching partnership going?', max_length=200)),
                        ('closes_on', models.DateField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('coach', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checkins', to='coaching.coach')),
                    ],
                    options={
                        'db_table': 'coaching_checkin',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='CheckInResponse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('equality', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('choice', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('voice', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('dialogue', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('reflection', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('praxis', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('reciprocity', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('comment', models.TextField(blank=True, max_length=2000)),
                        ('checkin', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='learning.checkin')),
                    ],
                    options={
                        'db_table': 'coaching_checkinresponse',
                    },
                ),
                migrations.CreateModel(
                    name='CoachGoal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('statement', models.TextField()),
                        ('measure', models.CharField(blank=True, max_length=200)),
                        ('deadline', models.DateField(blank=True, null=True)),
                        ('powerful', models.BooleanField(default=False)),
                        ('easy', models.BooleanField(default=False)),
                        ('emotionally_compelling', models.BooleanField(default=False)),
                        ('reachable', models.BooleanField(default=False)),
                        ('student_focused', models.BooleanField(default=False)),
                        ('shared_with_group', models.BooleanField(default=False)),
                        ('met_on', models.DateField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('coach', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='own_goals', to='coaching.coach')),
                    ],
                    options={
                        'db_table': 'coaching_coachgoal',
                        'ordering': ['met_on', '-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='CoachGoalNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField()),
                        ('note', models.TextField()),
                        ('goal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='learning.coachgoal')),
                    ],
                    options={
                        'db_table': 'coaching_coachgoalnote',
                        'ordering': ['date', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CoachGroup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('cadence', models.CharField(help_text='e.g. “every other Tuesday, 3:30”.', max_length=100)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('facilitator', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='facilitated_groups', to=settings.AUTH_USER_MODEL)),
                        ('members', models.ManyToManyField(db_table='coaching_coachgroup_members', related_name='coach_groups', to='coaching.coach')),
                        ('program', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='coach_groups', to='coaching.program')),
                    ],
                    options={
                        'db_table': 'coaching_coachgroup',
                        'ordering': ['name'],
                    },
                ),
                migrations.AddField(
                    model_name='coachgoal',
                    name='group',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='goals', to='learning.coachgroup'),
                ),
                migrations.CreateModel(
                    name='Resource',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('title', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('link', models.URLField(blank=True, max_length=500)),
                        ('file', models.FileField(blank=True, upload_to=learning.models.resource_upload_to)),
                        ('file_name', models.CharField(blank=True, max_length=200)),
                        ('content_type', models.CharField(blank=True, max_length=100)),
                        ('kind', models.CharField(choices=[('video', 'Video'), ('template', 'Template'), ('example', 'Example'), ('article', 'Article')], max_length=10)),
                        ('grade_band', models.CharField(blank=True, choices=[('PK', 'Pre-K'), ('K-2', 'K–2'), ('3-5', '3–5'), ('6-8', '6–8'), ('9-12', '9–12'), ('K-12', 'K–12 (all grades)')], max_length=5)),
                        ('tags', models.CharField(blank=True, help_text='Comma-separated, e.g. “number sense, PLC”.', max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('focus_area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='coaching.focusarea')),
                        ('program', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='resources', to='coaching.program')),
                    ],
                    options={
                        'db_table': 'coaching_resource',
                        'ordering': ['title'],
                    },
                ),
                migrations.CreateModel(
                    name='PDSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('title', models.CharField(max_length=200)),
                        ('date', models.DateField()),
                        ('start_time', models.TimeField()),
                        ('minutes', models.PositiveSmallIntegerField(help_text='Length in minutes.', validators=[django.core.validators.MinValueValidator(15), django.core.validators.MaxValueValidator(720)])),
                        ('grade_band', models.CharField(blank=True, choices=[('PK', 'Pre-K'), ('K-2', 'K–2'), ('3-5', '3–5'), ('6-8', '6–8'), ('9-12', '9–12'), ('K-12', 'K–12 (all grades)')], max_length=5, verbose_name='PLC grade band')),
                        ('audience', models.CharField(blank=True, help_text='e.g. “K–2 teachers, grade-level PLC”.', max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('capacity', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)])),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('attendees', models.ManyToManyField(blank=True, db_table='coaching_pdsession_attendees', related_name='pd_sessions_attended', to='teachers.teacher')),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pd_sessions', to='teachers.district')),
                        ('facilitator', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pd_sessions', to='coaching.coach')),
                        ('focus_area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='coaching.focusarea')),
                        ('log_entry', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='pd_session', to='coaching.logentry')),
                        ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pd_sessions', to='coaching.program')),
                        ('schools', models.ManyToManyField(blank=True, db_table='coaching_pdsession_schools', related_name='pd_sessions', to='teachers.school')),
                        ('resources', models.ManyToManyField(blank=True, db_table='coaching_pdsession_resources', related_name='pd_sessions', to='learning.resource')),
                    ],
                    options={
                        'verbose_name': 'PD session',
                        'db_table': 'coaching_pdsession',
                        'ordering': ['-date', '-start_time'],
                    },
                ),
                migrations.CreateModel(
                    name='GroupMeeting',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField()),
                        ('agenda', models.JSONField(default=list, help_text='AgendaItem values.')),
                        ('notes', models.TextField(blank=True, help_text='Visible to the group only.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('attendees', models.ManyToManyField(blank=True, db_table='coaching_groupmeeting_attendees', related_name='group_meetings', to='coaching.coach')),
                        ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='meetings', to='learning.coachgroup')),
                        ('resources', models.ManyToManyField(blank=True, db_table='coaching_groupmeeting_resources', related_name='group_meetings', to='learning.resource')),
                    ],
                    options={
                        'db_table': 'coaching_groupmeeting',
                        'ordering': ['-date'],
                    },
                ),
                migrations.CreateModel(
                    name='SignUp',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('modeled_lesson', 'A modeled lesson in my classroom'), ('co_teaching', 'Co-teaching in my classroom')], max_length=20)),
                        ('date_preferences', models.CharField(blank=True, max_length=200)),
                        ('note', models.TextField(blank=True)),
                        ('status', models.CharField(choices=[('requested', 'Requested'), ('accepted', 'Accepted'), ('declined', 'Declined')], default='requested', max_length=10)),
                        ('scheduled_for', models.DateField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='signups', to='learning.pdsession')),
                        ('teacher', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='signups', to='teachers.teacher')),
                    ],
                    options={
                        'db_table': 'coaching_signup',
                        'ordering': ['status', 'created_at'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='coachgroup',
                    constraint=models.UniqueConstraint(fields=('program', 'name'), name='coach_group_unique_name'),
                ),
                migrations.AddConstraint(
                    model_name='resource',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('link', ''), _negated=True), models.Q(('file', ''), _negated=True), _connector='OR'), name='resource_has_link_or_file'),
                ),
                migrations.AddConstraint(
                    model_name='signup',
                    constraint=models.UniqueConstraint(fields=('session', 'teacher'), name='signup_one_per_teacher_per_session'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_learning, content_types_to_coaching),
    ]
