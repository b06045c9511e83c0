/* sim/sweep/mpi.h — `hetsim sweep --mpi` (sim/sweep/mpi.c). */
#ifndef HETSIM_SIM_SWEEP_MPI_H
#define HETSIM_SIM_SWEEP_MPI_H

/* Without MPI compiled in, sim_sweep_mpi_check prints why
 * and returns 2; else 0. sim_sweep_mpi runs the sweep as one rank of an MPI
 * job and returns the exit status. */
int sim_sweep_mpi_check(void);
int sim_sweep_mpi(const char *path, const char *results, unsigned flags,
		  double timeout_s);

#endif
