"""Running a program from Fulcrum itself: its set-up (districts, schools, contracts, coaches,
administrators, activities, focus areas) and the start of a new school year."""
