"""The EPCIS 2.0 repository: one storage path for every event, the REST capture and query
interface of the EPCIS 2.0 REST binding, and the EPC index the queries use."""
