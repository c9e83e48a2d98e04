/** The smallest agent: it answers with what it was told. */
module com.example.echo {
    requires motus.serve.api;

    exports com.example.echo;
}
