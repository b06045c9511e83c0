# tests/oracle/mct.awk — an independent MCT list scheduler, the oracle of
# tests/test_replay.c. It shares no code with hetsim: it reads the same trace
# and schedules it by the definition of MCT, not by simulating events.
#
#   awk -v machines=cpu,cpu,gpu -v units="a:cpu:0.5 a:gpu:0.25" \
#       -f tests/oracle/mct.awk trace.csv
#
# machines: the type of machine 0, 1, ... (one slot each, unbounded local
# queues). units: "task type:machine type:seconds" for each pair, the time of
# one unit of work (constant models). The trace has a header naming its
# columns: arrival_s and task_type first, then any of size, exec_s and
# exec_s:<machine type> (plain numbers, no quotes).
#
# A task's time on a machine type is its exec_s:<type> cell, else its exec_s
# cell, else size (default 1) x the unit time. MCT (policies/immediate.h):
# in arrival order, each task goes to the machine on which it would complete
# first, ready time + its time there, the lowest index on ties; a machine's
# ready time is the arrival time if it is idle, else the end of the last task
# given to it (with every time known exactly, as hetsim's "clairvoyant"
# makes them, hetsim's ready time, the running task's end plus the queued
# work, is this). The task then ends at that completion time.
#
# Prints "id machine end" per task (%.17g) and last "makespan %.17g".
BEGIN {
	FS = ","
	n_machines = split(machines, mtype, ",")
	n_units = split(units, entries, " ")
	for (i = 1; i <= n_units; i++) {
		split(entries[i], part, ":")
		unit[part[1] ":" part[2]] = part[3] + 0
	}
	makespan = 0
}
NR == 1 {
	for (i = 1; i <= NF; i++) {
		if ($i == "size")
			size_col = i
		else if ($i == "exec_s")
			all_col = i
		else if (substr($i, 1, 7) == "exec_s:")
			type_col[substr($i, 8)] = i
	}
	next
}
{
	arrival = $1 + 0
	size = (size_col && $size_col != "") ? $size_col + 0 : 1
	best = 0
	for (m = 1; m <= n_machines; m++) {
		t = mtype[m]
		c = (t in type_col) ? type_col[t] : 0
		if (c && $c != "")
			x = $c + 0
		else if (all_col && $all_col != "")
			x = $all_col + 0
		else
			x = size * unit[$2 ":" t]
		ready = free_at[m] > arrival ? free_at[m] : arrival
		end = ready + x
		if (best == 0 || end < best_end) {
			best = m
			best_end = end
		}
	}
	free_at[best] = best_end
	if (best_end > makespan)
		makespan = best_end
	printf "%d %d %.17g\n", NR - 2, best - 1, best_end
}
END {
	printf "makespan %.17g\n", makespan
}
