/*
 * profiles/e2c.h — E2C-Sim's expected-execution-time (EET) matrix as a
 * hetsim profile.
 *
 * E2C-Sim (hpcclab/E2C-Sim) describes a heterogeneous system by an EET
 * matrix: one row per task type, one column per machine type, each cell
 * the expected execution time of that task type on that machine type, as a
 * CSV whose first row names the machine types (its first cell is a label,
 * often empty, as pandas writes an index) and whose first column names the
 * task types. A profile may say
 *
 *   {"e2c_eet": {"file": "eet.csv",          relative to the profile file
 *                "noise": 0.1,               optional, default 0
 *                "orientation": "tasks_as_rows" | "machines_as_rows",
 *                "unit": "s" | "ms" | "us"},  optional, default "s"
 *    "machine_types": [{"name": "gpu", "power_w": {...}, ...}]}  optional
 *
 * instead of "task_types" and "exec". The matrix gives the task types (in
 * row order), the machine types (in column order) and one exec entry per
 * finite cell: "constant" at the EET when noise is 0, otherwise "uniform"
 * on [EET (1 - noise), EET (1 + noise)] — E2C-Sim's actual execution time
 * of a task is its EET perturbed uniformly. E2C-Sim's setting is the
 * standard deviation of that perturbation, not its half-width: its
 * default 0.05 is a uniform of half-width sqrt(3) 0.05 = 0.0866, so
 * "noise": 0.0866 (±8.66%), not 0.05 or 0.1. A cell
 * "inf", "infinity", "-" or empty means the task type cannot run on that
 * machine type. "machine_types" entries, when given, add the attributes the
 * matrix has not got (power, price, slots) to the machine type of the same
 * name; every entry must name a column of the matrix.
 *
 * Errors name the CSV file and line (a ragged row, a duplicate name, a cell
 * that is not a time) or the profile's line.
 */
#ifndef HETSIM_PROFILES_E2C_H
#define HETSIM_PROFILES_E2C_H

#include "sim/io/io.h"

/* Given a profile object with an "e2c_eet" member, build in *out a profile
 * object with "machine_types", "task_types" and "exec" (and the other
 * members of root, except "e2c_eet"). Objects of root are shared, not
 * copied, so errors about them still find their lines in doc. */
int prof_e2c_expand(const io_jdoc *doc, const json_t *root, json_t **out,
		    io_err *err);

/* E2C-Sim's config.json, named by an experiment's "e2c_config" (relative
 * to the experiment file): fills in the experiment object root what it
 * leaves out — "machines" (one entry per config machine: its name as the
 * type, replicas as the count), the profile's "machine_types" (power as
 * busy, idle_power as idle watts; when the profile is an object with
 * "e2c_eet" and no "machine_types" of its own) and "queue" (capacity
 * machine_queue_size of "parameters"), and passes "parameters"'
 * fairness_factor to every {"name": "felare", "evict": true} policy (E2C's
 * FEE) that has none. Anything the experiment sets itself
 * wins. The task types' deadlines in config.json are not read: E2C-Sim's
 * workload files carry each task's deadline (workloads/, "arrival":
 * "e2c"). Errors name config.json's line. Does nothing without
 * "e2c_config". */
int prof_e2c_config(const io_jdoc *doc, json_t *root, io_err *err);

#endif
