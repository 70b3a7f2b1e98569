"""Patient worklists for direct care: each practice's own patients due an action on each
indicator, with why, for that practice's clinicians and practice managers only, under an
agreement that permits direct care (`Access.may_see_patients`). Every view and download is
audited (`gpqi.web.audit`) before the data is sent."""
